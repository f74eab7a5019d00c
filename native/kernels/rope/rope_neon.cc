#include <cstring>

#include "common/simd_neon.h"
#include "kernels/rope/rope.h"
#include "kernels/rope/rope_driver.h"

namespace attnscan {
namespace {

// cos and sin of 2 angles (|a| < 2^20); the same reduction and polynomials as rope_avx2.cc.
inline void sincos_f64(float64x2_t a, float64x2_t* c, float64x2_t* s) {
  const float64x2_t k = vrndnq_f64(vmulq_f64(a, vdupq_n_f64(0.63661977236758134308)));
  float64x2_t r = vfmsq_f64(a, k, vdupq_n_f64(1.57079632673412561417e+00));
  r = vfmsq_f64(r, k, vdupq_n_f64(6.07710050650619224932e-11));
  const float64x2_t r2 = vmulq_f64(r, r);
  float64x2_t ps = vdupq_n_f64(-1.0 / 39916800.0);
  ps = vfmaq_f64(vdupq_n_f64(1.0 / 362880.0), ps, r2);
  ps = vfmaq_f64(vdupq_n_f64(-1.0 / 5040.0), ps, r2);
  ps = vfmaq_f64(vdupq_n_f64(1.0 / 120.0), ps, r2);
  ps = vfmaq_f64(vdupq_n_f64(-1.0 / 6.0), ps, r2);
  const float64x2_t sr = vfmaq_f64(r, vmulq_f64(ps, r2), r);
  float64x2_t pc = vdupq_n_f64(1.0 / 479001600.0);
  pc = vfmaq_f64(vdupq_n_f64(-1.0 / 3628800.0), pc, r2);
  pc = vfmaq_f64(vdupq_n_f64(1.0 / 40320.0), pc, r2);
  pc = vfmaq_f64(vdupq_n_f64(-1.0 / 720.0), pc, r2);
  pc = vfmaq_f64(vdupq_n_f64(1.0 / 24.0), pc, r2);
  pc = vfmaq_f64(vdupq_n_f64(-0.5), pc, r2);
  const float64x2_t cr = vfmaq_f64(vdupq_n_f64(1.0), pc, r2);
  const int64x2_t q = vandq_s64(vcvtq_s64_f64(k), vdupq_n_s64(3));
  const uint64x2_t odd = vceqq_s64(vandq_s64(q, vdupq_n_s64(1)), vdupq_n_s64(1));
  const uint64x2_t neg_s = vcgeq_s64(q, vdupq_n_s64(2));
  const uint64x2_t neg_c = vorrq_u64(vceqq_s64(q, vdupq_n_s64(1)), vceqq_s64(q, vdupq_n_s64(2)));
  const float64x2_t ss = vbslq_f64(odd, cr, sr), cc = vbslq_f64(odd, sr, cr);
  *s = vbslq_f64(neg_s, vnegq_f64(ss), ss);
  *c = vbslq_f64(neg_c, vnegq_f64(cc), cc);
}

void tables(float pos, const float* inv_freq, int64_t half, float scaling, float* cos, float* sin) {
  const float32x4_t pv = vdupq_n_f32(pos), sc = vdupq_n_f32(scaling);
  for (int64_t i = 0; i < half; i += 4) {
    const int n = half - i < 4 ? int(half - i) : 4;
    float f[4] = {0, 0, 0, 0}, ang[4], cb[4], sb[4];
    std::memcpy(f, inv_freq + i, size_t(n) * sizeof(float));
    const float32x4_t a = vmulq_f32(pv, vld1q_f32(f));
    float64x2_t c0, s0, c1, s1;
    sincos_f64(vcvt_f64_f32(vget_low_f32(a)), &c0, &s0);
    sincos_f64(vcvt_high_f64_f32(a), &c1, &s1);
    vst1q_f32(cb, vcvt_high_f32_f64(vcvt_f32_f64(c0), c1));
    vst1q_f32(sb, vcvt_high_f32_f64(vcvt_f32_f64(s0), s1));
    if (vmaxvq_u32(vcagtq_f32(a, vdupq_n_f32(1048576.0f)))) {
      vst1q_f32(ang, a);
      for (int j = 0; j < 4; ++j) rope_cos_sin_ref(ang[j], &cb[j], &sb[j]);
    }
    vst1q_f32(cb, vmulq_f32(vld1q_f32(cb), sc));
    vst1q_f32(sb, vmulq_f32(vld1q_f32(sb), sc));
    std::memcpy(cos + i, cb, size_t(n) * sizeof(float));
    std::memcpy(sin + i, sb, size_t(n) * sizeof(float));
  }
}

void rotate_half(const float* x, float* y, int64_t half, const float* cos, const float* sin) {
  int64_t i = 0;
  for (; i + 4 <= half; i += 4) {
    const float32x4_t a = vld1q_f32(x + i), b = vld1q_f32(x + i + half);
    const float32x4_t c = vld1q_f32(cos + i), s = vld1q_f32(sin + i);
    vst1q_f32(y + i, vsubq_f32(vmulq_f32(a, c), vmulq_f32(b, s)));
    vst1q_f32(y + i + half, vaddq_f32(vmulq_f32(b, c), vmulq_f32(a, s)));
  }
  for (; i < half; ++i) {
    const float a = x[i], b = x[i + half];
    const float ac = a * cos[i], bs = b * sin[i], bc = b * cos[i], as = a * sin[i];
    y[i] = ac - bs;
    y[i + half] = bc + as;
  }
}

void rotate_pairs(const float* x, float* y, int64_t rot, const float* cos2, const float* sin2) {
  int64_t j = 0;
  for (; j + 4 <= rot; j += 4) {
    const float32x4_t v = vld1q_f32(x + j);
    const float32x4_t sw = vrev64q_f32(v);
    vst1q_f32(y + j, vaddq_f32(vmulq_f32(v, vld1q_f32(cos2 + j)), vmulq_f32(sw, vld1q_f32(sin2 + j))));
  }
  for (; j < rot; j += 2) {
    const float a = x[j], b = x[j + 1];
    const float ac = a * cos2[j], bs = b * sin2[j], bc = b * cos2[j + 1], as = a * sin2[j + 1];
    y[j] = ac + bs;
    y[j + 1] = bc + as;
  }
}
}  // namespace

void rope_apply_f32_neon(const float* x, float* y, int64_t tokens, const int32_t* positions, const float* inv_freq,
                         const RopeParams& p, float* scratch, const RopeTensor& k) {
  rope_apply_driver<tables, rotate_half, rotate_pairs>(x, y, tokens, positions, inv_freq, p, scratch, k);
}

}  // namespace attnscan
