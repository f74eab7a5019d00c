#include <cmath>

#include "common/simd_avx2.h"
#include "kernels/norm/norm.h"

namespace attnscan {
namespace {
using namespace avx2;

// y = (x - shift) * inv [* w] [+ b] over one row; masked tail.
inline void scale_row(const float* x, float* y, int64_t n, __m256 shift, __m256 inv, const float* w, const float* b) {
  auto one = [&](__m256 v, __m256 wv, __m256 bv) {
    v = _mm256_mul_ps(_mm256_sub_ps(v, shift), inv);
    if (w) v = _mm256_mul_ps(v, wv);
    if (b) v = _mm256_add_ps(v, bv);
    return v;
  };
  const __m256 z = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, one(_mm256_loadu_ps(x + i), w ? _mm256_loadu_ps(w + i) : z, b ? _mm256_loadu_ps(b + i) : z));
  }
  if (i < n) {
    const __m256i m = tail_mask(int(n - i));
    const __m256 v = one(_mm256_maskload_ps(x + i, m), w ? _mm256_maskload_ps(w + i, m) : z, b ? _mm256_maskload_ps(b + i, m) : z);
    _mm256_maskstore_ps(y + i, m, v);
  }
}

// sum((x - shift)^2), two accumulators to hide FMA latency.
inline float sum_sq(const float* x, int64_t n, __m256 shift) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), shift);
    const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), shift);
    a0 = _mm256_fmadd_ps(d0, d0, a0);
    a1 = _mm256_fmadd_ps(d1, d1, a1);
  }
  for (; i + 8 <= n; i += 8) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), shift);
    a0 = _mm256_fmadd_ps(d, d, a0);
  }
  if (i < n) {
    const __m256i m = tail_mask(int(n - i));
    // Masked-off lanes load 0; subtract the shift only where loaded.
    const __m256 d = _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, m), shift), _mm256_castsi256_ps(m));
    a1 = _mm256_fmadd_ps(d, d, a1);
  }
  return hsum(_mm256_add_ps(a0, a1));
}

inline float sum(const float* x, int64_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
  }
  for (; i + 8 <= n; i += 8) a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
  if (i < n) a1 = _mm256_add_ps(a1, _mm256_maskload_ps(x + i, tail_mask(int(n - i))));
  return hsum(_mm256_add_ps(a0, a1));
}
}  // namespace

void norm_rms_f32_avx2(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float*, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * hidden;
    const float inv = 1.0f / std::sqrt(sum_sq(xr, hidden, _mm256_setzero_ps()) / float(hidden) + eps);
    scale_row(xr, y + r * hidden, hidden, _mm256_setzero_ps(), _mm256_set1_ps(inv), weight, nullptr);
  }
}

void norm_layer_f32_avx2(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float* bias, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * hidden;
    const __m256 mean = _mm256_set1_ps(sum(xr, hidden) / float(hidden));
    const float inv = 1.0f / std::sqrt(sum_sq(xr, hidden, mean) / float(hidden) + eps);
    scale_row(xr, y + r * hidden, hidden, mean, _mm256_set1_ps(inv), weight, bias);
  }
}

}  // namespace attnscan
