#include <immintrin.h>

#include "kernels/probe/probe.h"

namespace attnscan {
namespace {
// Not _mm512_reduce_add_ps: GCC 12 warns (falsely) about an uninitialized value inside it.
float sum_lanes(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  float t = 0;
  for (float x : lanes) t += x;
  return t;
}
}  // namespace

// 16 zmm chains (of 32 registers): twice the 8 that latency 4 x 2 FMA pipes need.
double probe_fma_f32_avx512(int64_t iters, float* sink) {
  constexpr int kAcc = 16;
  const __m512 a = _mm512_set1_ps(1.0f - 1.0f / 1024), b = _mm512_set1_ps(1.0f / 1024);
  __m512 acc[kAcc];
  for (int j = 0; j < kAcc; ++j) acc[j] = _mm512_set1_ps(float(j) / kAcc);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 16
    for (int j = 0; j < kAcc; ++j) acc[j] = _mm512_fmadd_ps(acc[j], a, b);
  }
  __m512 s = acc[0];
  for (int j = 1; j < kAcc; ++j) s = _mm512_add_ps(s, acc[j]);
  *sink = sum_lanes(s);
  return 2.0 * 16 * kAcc * double(iters);
}

float probe_read_f32_avx512(const float* x, int64_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    s0 = _mm512_add_ps(s0, _mm512_loadu_ps(x + i));
    s1 = _mm512_add_ps(s1, _mm512_loadu_ps(x + i + 16));
    s2 = _mm512_add_ps(s2, _mm512_loadu_ps(x + i + 32));
    s3 = _mm512_add_ps(s3, _mm512_loadu_ps(x + i + 48));
  }
  float t = sum_lanes(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
  for (; i < n; ++i) t += x[i];
  return t;
}

void probe_copy_f32_avx512(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_loadu_ps(x + i));
  for (; i < n; ++i) y[i] = x[i];
}

void probe_triad_f32_avx512(const float* x, const float* z, float s, float* y, int64_t n) {
  const __m512 vs = _mm512_set1_ps(s);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(y + i, _mm512_fmadd_ps(vs, _mm512_loadu_ps(z + i), _mm512_loadu_ps(x + i)));
  for (; i < n; ++i) y[i] = x[i] + s * z[i];
}

}  // namespace attnscan
