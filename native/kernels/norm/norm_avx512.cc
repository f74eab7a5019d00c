#include <cmath>

#include "common/simd_avx512.h"
#include "kernels/norm/norm.h"

namespace attnscan {
namespace {
using namespace avx512;

// y = (x - shift) * inv [* w] [+ b] over one row; masked tail.
inline void scale_row(const float* x, float* y, int64_t n, __m512 shift, __m512 inv, const float* w, const float* b) {
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(int(n - i < 16 ? n - i : 16));
    __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), shift), inv);
    if (w) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, w + i));
    if (b) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, b + i));
    _mm512_mask_storeu_ps(y + i, m, v);
  }
}

// sum((x - shift)^2), two accumulators to hide FMA latency.
inline float sum_sq(const float* x, int64_t n, __m512 shift) {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(x + i), shift);
    const __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 16), shift);
    a0 = _mm512_fmadd_ps(d0, d0, a0);
    a1 = _mm512_fmadd_ps(d1, d1, a1);
  }
  for (; i < n; i += 16) {
    const __mmask16 m = tail_mask(int(n - i < 16 ? n - i : 16));
    const __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + i), shift);
    a0 = _mm512_fmadd_ps(d, d, a0);
  }
  return hsum(_mm512_add_ps(a0, a1));
}

inline float sum(const float* x, int64_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm512_add_ps(a0, _mm512_loadu_ps(x + i));
    a1 = _mm512_add_ps(a1, _mm512_loadu_ps(x + i + 16));
  }
  for (; i < n; i += 16) a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(tail_mask(int(n - i < 16 ? n - i : 16)), x + i));
  return hsum(_mm512_add_ps(a0, a1));
}
}  // namespace

void norm_rms_f32_avx512(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float*, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * hidden;
    const float inv = 1.0f / std::sqrt(sum_sq(xr, hidden, _mm512_setzero_ps()) / float(hidden) + eps);
    scale_row(xr, y + r * hidden, hidden, _mm512_setzero_ps(), _mm512_set1_ps(inv), weight, nullptr);
  }
}

void norm_layer_f32_avx512(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float* bias, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * hidden;
    const __m512 mean = _mm512_set1_ps(sum(xr, hidden) / float(hidden));
    const float inv = 1.0f / std::sqrt(sum_sq(xr, hidden, mean) / float(hidden) + eps);
    scale_row(xr, y + r * hidden, hidden, mean, _mm512_set1_ps(inv), weight, bias);
  }
}

}  // namespace attnscan
