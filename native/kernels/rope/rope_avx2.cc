#include <cmath>
#include <cstring>

#include "common/simd_avx2.h"
#include "kernels/rope/rope.h"
#include "kernels/rope/rope_driver.h"

namespace attnscan {
namespace {
using namespace avx2;

// cos and sin of 4 angles (|a| < 2^20): a = k pi/2 + r with pi/2 split in two (fdlibm's pio2_1,
// pio2_1t; FMA keeps k * pio2_1 exact), Taylor polynomials on |r| <= pi/4 (error < 1e-11), then
// the quadrant k mod 4 swaps and negates.
inline void sincos_pd(__m256d a, __m256d* c, __m256d* s) {
  const __m256d k = _mm256_round_pd(_mm256_mul_pd(a, _mm256_set1_pd(0.63661977236758134308)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256d r = _mm256_fnmadd_pd(k, _mm256_set1_pd(1.57079632673412561417e+00), a);
  r = _mm256_fnmadd_pd(k, _mm256_set1_pd(6.07710050650619224932e-11), r);
  const __m256d r2 = _mm256_mul_pd(r, r);
  __m256d ps = _mm256_set1_pd(-1.0 / 39916800.0);
  ps = _mm256_fmadd_pd(ps, r2, _mm256_set1_pd(1.0 / 362880.0));
  ps = _mm256_fmadd_pd(ps, r2, _mm256_set1_pd(-1.0 / 5040.0));
  ps = _mm256_fmadd_pd(ps, r2, _mm256_set1_pd(1.0 / 120.0));
  ps = _mm256_fmadd_pd(ps, r2, _mm256_set1_pd(-1.0 / 6.0));
  const __m256d sr = _mm256_fmadd_pd(_mm256_mul_pd(ps, r2), r, r);
  __m256d pc = _mm256_set1_pd(1.0 / 479001600.0);
  pc = _mm256_fmadd_pd(pc, r2, _mm256_set1_pd(-1.0 / 3628800.0));
  pc = _mm256_fmadd_pd(pc, r2, _mm256_set1_pd(1.0 / 40320.0));
  pc = _mm256_fmadd_pd(pc, r2, _mm256_set1_pd(-1.0 / 720.0));
  pc = _mm256_fmadd_pd(pc, r2, _mm256_set1_pd(1.0 / 24.0));
  pc = _mm256_fmadd_pd(pc, r2, _mm256_set1_pd(-0.5));
  const __m256d cr = _mm256_fmadd_pd(pc, r2, _mm256_set1_pd(1.0));
  const __m256d q = _mm256_sub_pd(k, _mm256_mul_pd(_mm256_set1_pd(4.0), _mm256_floor_pd(_mm256_mul_pd(k, _mm256_set1_pd(0.25)))));
  const __m256d odd = _mm256_or_pd(_mm256_cmp_pd(q, _mm256_set1_pd(1.0), _CMP_EQ_OQ), _mm256_cmp_pd(q, _mm256_set1_pd(3.0), _CMP_EQ_OQ));
  const __m256d neg_s = _mm256_cmp_pd(q, _mm256_set1_pd(2.0), _CMP_GE_OQ);
  const __m256d neg_c = _mm256_or_pd(_mm256_cmp_pd(q, _mm256_set1_pd(1.0), _CMP_EQ_OQ), _mm256_cmp_pd(q, _mm256_set1_pd(2.0), _CMP_EQ_OQ));
  const __m256d sign = _mm256_set1_pd(-0.0);
  *s = _mm256_xor_pd(_mm256_blendv_pd(sr, cr, odd), _mm256_and_pd(neg_s, sign));
  *c = _mm256_xor_pd(_mm256_blendv_pd(cr, sr, odd), _mm256_and_pd(neg_c, sign));
}

// cos[i], sin[i] (times scaling) for the token at pos, i < half.
void tables(float pos, const float* inv_freq, int64_t half, float scaling, float* cos, float* sin) {
  const __m128 pv = _mm_set1_ps(pos), sc = _mm_set1_ps(scaling);
  for (int64_t i = 0; i < half; i += 4) {
    const int n = half - i < 4 ? int(half - i) : 4;
    alignas(16) float f[4] = {0, 0, 0, 0}, ang[4], cb[4], sb[4];
    std::memcpy(f, inv_freq + i, size_t(n) * sizeof(float));
    const __m128 a = _mm_mul_ps(pv, _mm_load_ps(f));
    __m256d c, s;
    sincos_pd(_mm256_cvtps_pd(a), &c, &s);
    _mm_store_ps(cb, _mm256_cvtpd_ps(c));
    _mm_store_ps(sb, _mm256_cvtpd_ps(s));
    const __m128 big = _mm_cmpgt_ps(_mm_andnot_ps(_mm_set1_ps(-0.0f), a), _mm_set1_ps(1048576.0f));
    if (_mm_movemask_ps(big)) {
      _mm_store_ps(ang, a);
      for (int j = 0; j < 4; ++j) rope_cos_sin_ref(ang[j], &cb[j], &sb[j]);
    }
    _mm_store_ps(cb, _mm_mul_ps(_mm_load_ps(cb), sc));
    _mm_store_ps(sb, _mm_mul_ps(_mm_load_ps(sb), sc));
    std::memcpy(cos + i, cb, size_t(n) * sizeof(float));
    std::memcpy(sin + i, sb, size_t(n) * sizeof(float));
  }
}

// (a, b) = (x[i], x[i + half]) -> (a c - b s, b c + a s).
void rotate_half(const float* x, float* y, int64_t half, const float* cos, const float* sin) {
  for (int64_t i = 0; i < half; i += 8) {
    const __m256i m = tail_mask(half - i < 8 ? int(half - i) : 8);
    const __m256 a = _mm256_maskload_ps(x + i, m), b = _mm256_maskload_ps(x + i + half, m);
    const __m256 c = _mm256_maskload_ps(cos + i, m), s = _mm256_maskload_ps(sin + i, m);
    _mm256_maskstore_ps(y + i, m, _mm256_sub_ps(_mm256_mul_ps(a, c), _mm256_mul_ps(b, s)));
    _mm256_maskstore_ps(y + i + half, m, _mm256_add_ps(_mm256_mul_ps(b, c), _mm256_mul_ps(a, s)));
  }
}

// Pairs (x[2i], x[2i+1]): y = x * cos2 + swap_pairs(x) * sin2 (sin2 carries the signs).
void rotate_pairs(const float* x, float* y, int64_t rot, const float* cos2, const float* sin2) {
  for (int64_t j = 0; j < rot; j += 8) {
    const __m256i m = tail_mask(rot - j < 8 ? int(rot - j) : 8);
    const __m256 v = _mm256_maskload_ps(x + j, m);
    const __m256 sw = _mm256_permute_ps(v, 0xB1);
    const __m256 r = _mm256_add_ps(_mm256_mul_ps(v, _mm256_maskload_ps(cos2 + j, m)), _mm256_mul_ps(sw, _mm256_maskload_ps(sin2 + j, m)));
    _mm256_maskstore_ps(y + j, m, r);
  }
}
}  // namespace

void rope_apply_f32_avx2(const float* x, float* y, int64_t tokens, const int32_t* positions, const float* inv_freq,
                         const RopeParams& p, float* scratch, const RopeTensor& k) {
  rope_apply_driver<tables, rotate_half, rotate_pairs>(x, y, tokens, positions, inv_freq, p, scratch, k);
}

}  // namespace attnscan
