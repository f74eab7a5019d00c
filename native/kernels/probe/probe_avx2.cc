#include <immintrin.h>

#include "kernels/probe/probe.h"

namespace attnscan {

// 12 ymm chains + the two constants fit the 16 registers; latency 4 x 2 FMA pipes needs 8.
double probe_fma_f32_avx2(int64_t iters, float* sink) {
  constexpr int kAcc = 12;
  const __m256 a = _mm256_set1_ps(1.0f - 1.0f / 1024), b = _mm256_set1_ps(1.0f / 1024);
  __m256 acc[kAcc];
  for (int j = 0; j < kAcc; ++j) acc[j] = _mm256_set1_ps(float(j) / kAcc);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kAcc; ++j) acc[j] = _mm256_fmadd_ps(acc[j], a, b);
  }
  __m256 s = acc[0];
  for (int j = 1; j < kAcc; ++j) s = _mm256_add_ps(s, acc[j]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  float t = 0;
  for (float v : lanes) t += v;
  *sink = t;
  return 2.0 * 8 * kAcc * double(iters);
}

float probe_read_f32_avx2(const float* x, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + i));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(x + i + 8));
    s2 = _mm256_add_ps(s2, _mm256_loadu_ps(x + i + 16));
    s3 = _mm256_add_ps(s3, _mm256_loadu_ps(x + i + 24));
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  float t = 0;
  for (float v : lanes) t += v;
  for (; i < n; ++i) t += x[i];
  return t;
}

void probe_copy_f32_avx2(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_loadu_ps(x + i));
  for (; i < n; ++i) y[i] = x[i];
}

void probe_triad_f32_avx2(const float* x, const float* z, float s, float* y, int64_t n) {
  const __m256 vs = _mm256_set1_ps(s);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(vs, _mm256_loadu_ps(z + i), _mm256_loadu_ps(x + i)));
  for (; i < n; ++i) y[i] = x[i] + s * z[i];
}

}  // namespace attnscan
