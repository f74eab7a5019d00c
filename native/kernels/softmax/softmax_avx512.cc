#include <limits>

#include "common/simd_avx512.h"
#include "kernels/softmax/softmax.h"

namespace attnscan {
using namespace avx512;

void softmax_rows_f32_avx512(const float* x, float* y, int64_t rows, int64_t n) {
  const __m512 neg_inf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  const int64_t body = n & ~int64_t(15);
  const __mmask16 tm = tail_mask(int(n - body));
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;
    __m512 mv = neg_inf;
    for (int64_t i = 0; i < body; i += 16) mv = _mm512_max_ps(mv, _mm512_loadu_ps(xr + i));
    if (body < n) mv = _mm512_max_ps(mv, _mm512_mask_loadu_ps(neg_inf, tm, xr + body));
    const float m = hmax(mv);
    if (m == -std::numeric_limits<float>::infinity()) {
      softmax_masked_row(xr, yr, n);
      continue;
    }
    const __m512 mb = _mm512_set1_ps(m);
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= body; i += 32) {
      const __m512 e0 = exp(_mm512_sub_ps(_mm512_loadu_ps(xr + i), mb));
      const __m512 e1 = exp(_mm512_sub_ps(_mm512_loadu_ps(xr + i + 16), mb));
      _mm512_storeu_ps(yr + i, e0);
      _mm512_storeu_ps(yr + i + 16, e1);
      s0 = _mm512_add_ps(s0, e0);
      s1 = _mm512_add_ps(s1, e1);
    }
    for (; i < body; i += 16) {
      const __m512 e = exp(_mm512_sub_ps(_mm512_loadu_ps(xr + i), mb));
      _mm512_storeu_ps(yr + i, e);
      s0 = _mm512_add_ps(s0, e);
    }
    if (body < n) {
      const __m512 e = _mm512_maskz_mov_ps(tm, exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(tm, xr + body), mb)));
      _mm512_mask_storeu_ps(yr + body, tm, e);
      s1 = _mm512_add_ps(s1, e);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / hsum(_mm512_add_ps(s0, s1)));
    for (i = 0; i < body; i += 16) _mm512_storeu_ps(yr + i, _mm512_mul_ps(_mm512_loadu_ps(yr + i), inv));
    if (body < n) _mm512_mask_storeu_ps(yr + body, tm, _mm512_mul_ps(_mm512_maskz_loadu_ps(tm, yr + body), inv));
  }
}

}  // namespace attnscan
