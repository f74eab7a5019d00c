#include "common/simd_avx512.h"
#include "kernels/rope/rope.h"
#include "kernels/rope/rope_driver.h"

namespace attnscan {
namespace {
using namespace avx512;

// cos and sin of 8 angles (|a| < 2^20); the same reduction and polynomials as rope_avx2.cc.
inline void sincos_pd(__m512d a, __m512d* c, __m512d* s) {
  const __m512d k = _mm512_roundscale_pd(_mm512_mul_pd(a, _mm512_set1_pd(0.63661977236758134308)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512d r = _mm512_fnmadd_pd(k, _mm512_set1_pd(1.57079632673412561417e+00), a);
  r = _mm512_fnmadd_pd(k, _mm512_set1_pd(6.07710050650619224932e-11), r);
  const __m512d r2 = _mm512_mul_pd(r, r);
  __m512d ps = _mm512_set1_pd(-1.0 / 39916800.0);
  ps = _mm512_fmadd_pd(ps, r2, _mm512_set1_pd(1.0 / 362880.0));
  ps = _mm512_fmadd_pd(ps, r2, _mm512_set1_pd(-1.0 / 5040.0));
  ps = _mm512_fmadd_pd(ps, r2, _mm512_set1_pd(1.0 / 120.0));
  ps = _mm512_fmadd_pd(ps, r2, _mm512_set1_pd(-1.0 / 6.0));
  const __m512d sr = _mm512_fmadd_pd(_mm512_mul_pd(ps, r2), r, r);
  __m512d pc = _mm512_set1_pd(1.0 / 479001600.0);
  pc = _mm512_fmadd_pd(pc, r2, _mm512_set1_pd(-1.0 / 3628800.0));
  pc = _mm512_fmadd_pd(pc, r2, _mm512_set1_pd(1.0 / 40320.0));
  pc = _mm512_fmadd_pd(pc, r2, _mm512_set1_pd(-1.0 / 720.0));
  pc = _mm512_fmadd_pd(pc, r2, _mm512_set1_pd(1.0 / 24.0));
  pc = _mm512_fmadd_pd(pc, r2, _mm512_set1_pd(-0.5));
  const __m512d cr = _mm512_fmadd_pd(pc, r2, _mm512_set1_pd(1.0));
  const __m512d q = _mm512_sub_pd(k, _mm512_mul_pd(_mm512_set1_pd(4.0), _mm512_roundscale_pd(_mm512_mul_pd(k, _mm512_set1_pd(0.25)), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)));
  const __mmask8 q1 = _mm512_cmp_pd_mask(q, _mm512_set1_pd(1.0), _CMP_EQ_OQ);
  const __mmask8 q2 = _mm512_cmp_pd_mask(q, _mm512_set1_pd(2.0), _CMP_EQ_OQ);
  const __mmask8 q3 = _mm512_cmp_pd_mask(q, _mm512_set1_pd(3.0), _CMP_EQ_OQ);
  const __mmask8 odd = q1 | q3;
  const __m512d ss = _mm512_mask_blend_pd(odd, sr, cr), cc = _mm512_mask_blend_pd(odd, cr, sr);
  const __m512d zero = _mm512_setzero_pd();
  *s = _mm512_mask_sub_pd(ss, __mmask8(q2 | q3), zero, ss);
  *c = _mm512_mask_sub_pd(cc, __mmask8(q1 | q2), zero, cc);
}

// cos[i], sin[i] (times scaling) for the token at pos, i < half.
void tables(float pos, const float* inv_freq, int64_t half, float scaling, float* cos, float* sin) {
  const __m256 pv = _mm256_set1_ps(pos), sc = _mm256_set1_ps(scaling);
  for (int64_t i = 0; i < half; i += 8) {
    const __mmask8 m = __mmask8(half - i < 8 ? (1u << (half - i)) - 1 : 0xff);
    const __m256 a = _mm256_mul_ps(pv, _mm256_maskz_loadu_ps(m, inv_freq + i));
    __m512d c, s;
    sincos_pd(_mm512_cvtps_pd(a), &c, &s);
    __m256 cf = _mm512_cvtpd_ps(c), sf = _mm512_cvtpd_ps(s);
    const __mmask8 big = _mm256_cmp_ps_mask(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), a), _mm256_set1_ps(1048576.0f), _CMP_GT_OQ);
    if (big) {
      alignas(32) float ang[8], cb[8], sb[8];
      _mm256_store_ps(ang, a);
      for (int j = 0; j < 8; ++j) rope_cos_sin_ref(ang[j], &cb[j], &sb[j]);
      cf = _mm256_load_ps(cb);
      sf = _mm256_load_ps(sb);
    }
    _mm256_mask_storeu_ps(cos + i, m, _mm256_mul_ps(cf, sc));
    _mm256_mask_storeu_ps(sin + i, m, _mm256_mul_ps(sf, sc));
  }
}

void rotate_half(const float* x, float* y, int64_t half, const float* cos, const float* sin) {
  for (int64_t i = 0; i < half; i += 16) {
    const __mmask16 m = tail_mask(half - i < 16 ? int(half - i) : 16);
    const __m512 a = _mm512_maskz_loadu_ps(m, x + i), b = _mm512_maskz_loadu_ps(m, x + i + half);
    const __m512 c = _mm512_maskz_loadu_ps(m, cos + i), s = _mm512_maskz_loadu_ps(m, sin + i);
    _mm512_mask_storeu_ps(y + i, m, _mm512_sub_ps(_mm512_mul_ps(a, c), _mm512_mul_ps(b, s)));
    _mm512_mask_storeu_ps(y + i + half, m, _mm512_add_ps(_mm512_mul_ps(b, c), _mm512_mul_ps(a, s)));
  }
}

void rotate_pairs(const float* x, float* y, int64_t rot, const float* cos2, const float* sin2) {
  for (int64_t j = 0; j < rot; j += 16) {
    const __mmask16 m = tail_mask(rot - j < 16 ? int(rot - j) : 16);
    const __m512 v = _mm512_maskz_loadu_ps(m, x + j);
    const __m512 sw = _mm512_permute_ps(v, 0xB1);
    const __m512 r = _mm512_add_ps(_mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, cos2 + j)), _mm512_mul_ps(sw, _mm512_maskz_loadu_ps(m, sin2 + j)));
    _mm512_mask_storeu_ps(y + j, m, r);
  }
}
}  // namespace

void rope_apply_f32_avx512(const float* x, float* y, int64_t tokens, const int32_t* positions, const float* inv_freq,
                           const RopeParams& p, float* scratch, const RopeTensor& k) {
  rope_apply_driver<tables, rotate_half, rotate_pairs>(x, y, tokens, positions, inv_freq, p, scratch, k);
}

}  // namespace attnscan
