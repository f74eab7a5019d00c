#include "common/simd_avx512.h"
#include "kernels/act/act.h"

namespace attnscan {
namespace {
using namespace avx512;

// erfc(a) for a >= 0 (Abramowitz & Stegun 7.1.26, |error| <= 1.5e-7).
inline __m512 erfc_pos(__m512 a) {
  const __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(_mm512_set1_ps(0.3275911f), a, _mm512_set1_ps(1.0f)));
  __m512 p = _mm512_set1_ps(1.061405429f);
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
  p = _mm512_mul_ps(p, t);
  return _mm512_mul_ps(p, avx512::exp(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), a), a)));
}

inline __m512 apply(ActKind kind, __m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f), half = _mm512_set1_ps(0.5f);
  switch (kind) {
    case ActKind::silu:
      return _mm512_div_ps(x, _mm512_add_ps(one, avx512::exp(_mm512_sub_ps(_mm512_setzero_ps(), x))));
    case ActKind::gelu: {
      const __m512 z = _mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f));
      const __m512 a = _mm512_abs_ps(z);
      const __m512 q = erfc_pos(a);
      const __mmask16 neg = _mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_LT_OQ);
      const __m512 s = _mm512_mask_blend_ps(neg, _mm512_sub_ps(_mm512_set1_ps(2.0f), q), q);
      return _mm512_mul_ps(_mm512_mul_ps(half, x), s);
    }
    case ActKind::gelu_tanh: {
      const __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
      const __m512 u = _mm512_mul_ps(_mm512_set1_ps(0.79788456080286536f), _mm512_fmadd_ps(_mm512_set1_ps(0.044715f), x3, x));
      const __m512 e = avx512::exp(_mm512_add_ps(u, u));
      const __m512 th = _mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, one)));
      return _mm512_mul_ps(_mm512_mul_ps(half, x), _mm512_add_ps(one, th));
    }
    case ActKind::relu:
      return _mm512_max_ps(_mm512_setzero_ps(), x);
  }
  return x;
}
}  // namespace

void act_apply_f32_avx512(ActKind kind, const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, apply(kind, _mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = tail_mask(int(n - i));
    _mm512_mask_storeu_ps(y + i, m, apply(kind, _mm512_maskz_loadu_ps(m, x + i)));
  }
}

}  // namespace attnscan
