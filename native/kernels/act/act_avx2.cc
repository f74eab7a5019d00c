#include "common/simd_avx2.h"
#include "kernels/act/act.h"

namespace attnscan {
namespace {
using namespace avx2;

// erfc(a) for a >= 0 (Abramowitz & Stegun 7.1.26, |error| <= 1.5e-7).
inline __m256 erfc_pos(__m256 a) {
  const __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), a, _mm256_set1_ps(1.0f)));
  __m256 p = _mm256_set1_ps(1.061405429f);
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
  p = _mm256_mul_ps(p, t);
  return _mm256_mul_ps(p, avx2::exp(_mm256_mul_ps(_mm256_sub_ps(_mm256_setzero_ps(), a), a)));
}

inline __m256 apply(ActKind kind, __m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f);
  switch (kind) {
    case ActKind::silu:
      return _mm256_div_ps(x, _mm256_add_ps(one, avx2::exp(_mm256_sub_ps(_mm256_setzero_ps(), x))));
    case ActKind::gelu: {
      const __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f));
      const __m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), z);
      const __m256 q = erfc_pos(a);  // 1 + erf(z) = 2 - q for z >= 0, q for z < 0
      const __m256 neg = _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_LT_OQ);
      const __m256 s = _mm256_blendv_ps(_mm256_sub_ps(_mm256_set1_ps(2.0f), q), q, neg);
      return _mm256_mul_ps(_mm256_mul_ps(half, x), s);
    }
    case ActKind::gelu_tanh: {
      const __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
      const __m256 u = _mm256_mul_ps(_mm256_set1_ps(0.79788456080286536f), _mm256_fmadd_ps(_mm256_set1_ps(0.044715f), x3, x));
      const __m256 e = avx2::exp(_mm256_add_ps(u, u));
      const __m256 th = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
      return _mm256_mul_ps(_mm256_mul_ps(half, x), _mm256_add_ps(one, th));
    }
    case ActKind::relu: {
      // max(0, x) keeps NaN (second operand wins on NaN).
      return _mm256_max_ps(_mm256_setzero_ps(), x);
    }
  }
  return x;
}
}  // namespace

void act_apply_f32_avx2(ActKind kind, const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, apply(kind, _mm256_loadu_ps(x + i)));
  if (i < n) {
    const __m256i m = tail_mask(int(n - i));
    _mm256_maskstore_ps(y + i, m, apply(kind, _mm256_maskload_ps(x + i, m)));
  }
}

}  // namespace attnscan
