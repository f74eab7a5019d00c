#include <limits>

#include "common/simd_avx2.h"
#include "kernels/softmax/softmax.h"

namespace attnscan {
using namespace avx2;

void softmax_rows_f32_avx2(const float* x, float* y, int64_t rows, int64_t n) {
  const __m256 neg_inf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  const int64_t body = n & ~int64_t(7);
  const __m256i tm = tail_mask(int(n - body));
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;
    __m256 mv = neg_inf;
    for (int64_t i = 0; i < body; i += 8) mv = _mm256_max_ps(mv, _mm256_loadu_ps(xr + i));
    if (body < n) mv = _mm256_max_ps(mv, _mm256_blendv_ps(neg_inf, _mm256_maskload_ps(xr + body, tm), _mm256_castsi256_ps(tm)));
    const float m = hmax(mv);
    if (m == -std::numeric_limits<float>::infinity()) {
      softmax_masked_row(xr, yr, n);
      continue;
    }
    const __m256 mb = _mm256_set1_ps(m);
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= body; i += 16) {
      const __m256 e0 = exp(_mm256_sub_ps(_mm256_loadu_ps(xr + i), mb));
      const __m256 e1 = exp(_mm256_sub_ps(_mm256_loadu_ps(xr + i + 8), mb));
      _mm256_storeu_ps(yr + i, e0);
      _mm256_storeu_ps(yr + i + 8, e1);
      s0 = _mm256_add_ps(s0, e0);
      s1 = _mm256_add_ps(s1, e1);
    }
    for (; i < body; i += 8) {
      const __m256 e = exp(_mm256_sub_ps(_mm256_loadu_ps(xr + i), mb));
      _mm256_storeu_ps(yr + i, e);
      s0 = _mm256_add_ps(s0, e);
    }
    if (body < n) {
      const __m256 e = _mm256_and_ps(exp(_mm256_sub_ps(_mm256_maskload_ps(xr + body, tm), mb)), _mm256_castsi256_ps(tm));
      _mm256_maskstore_ps(yr + body, tm, e);
      s1 = _mm256_add_ps(s1, e);
    }
    const __m256 inv = _mm256_set1_ps(1.0f / hsum(_mm256_add_ps(s0, s1)));
    for (i = 0; i < body; i += 8) _mm256_storeu_ps(yr + i, _mm256_mul_ps(_mm256_loadu_ps(yr + i), inv));
    if (body < n) _mm256_maskstore_ps(yr + body, tm, _mm256_mul_ps(_mm256_maskload_ps(yr + body, tm), inv));
  }
}

}  // namespace attnscan
