#include "common/simd_neon.h"
#include "kernels/act/act.h"

namespace attnscan {
namespace {

// erfc(a) for a >= 0 (Abramowitz & Stegun 7.1.26, |error| <= 1.5e-7).
inline float32x4_t erfc_pos(float32x4_t a) {
  const float32x4_t t = vdivq_f32(vdupq_n_f32(1.0f), vfmaq_f32(vdupq_n_f32(1.0f), vdupq_n_f32(0.3275911f), a));
  float32x4_t p = vdupq_n_f32(1.061405429f);
  p = vfmaq_f32(vdupq_n_f32(-1.453152027f), p, t);
  p = vfmaq_f32(vdupq_n_f32(1.421413741f), p, t);
  p = vfmaq_f32(vdupq_n_f32(-0.284496736f), p, t);
  p = vfmaq_f32(vdupq_n_f32(0.254829592f), p, t);
  p = vmulq_f32(p, t);
  return vmulq_f32(p, neon::exp(vnegq_f32(vmulq_f32(a, a))));
}

inline float32x4_t apply(ActKind kind, float32x4_t x) {
  const float32x4_t one = vdupq_n_f32(1.0f), half = vdupq_n_f32(0.5f);
  switch (kind) {
    case ActKind::silu:
      return vdivq_f32(x, vaddq_f32(one, neon::exp(vnegq_f32(x))));
    case ActKind::gelu: {
      const float32x4_t z = vmulq_f32(x, vdupq_n_f32(0.70710678118654752f));
      const float32x4_t q = erfc_pos(vabsq_f32(z));
      const uint32x4_t neg = vcltq_f32(z, vdupq_n_f32(0.0f));
      const float32x4_t s = vbslq_f32(neg, q, vsubq_f32(vdupq_n_f32(2.0f), q));
      return vmulq_f32(vmulq_f32(half, x), s);
    }
    case ActKind::gelu_tanh: {
      const float32x4_t x3 = vmulq_f32(vmulq_f32(x, x), x);
      const float32x4_t u = vmulq_f32(vdupq_n_f32(0.79788456080286536f), vfmaq_f32(x, vdupq_n_f32(0.044715f), x3));
      const float32x4_t e = neon::exp(vaddq_f32(u, u));
      const float32x4_t th = vsubq_f32(one, vdivq_f32(vdupq_n_f32(2.0f), vaddq_f32(e, one)));
      return vmulq_f32(vmulq_f32(half, x), vaddq_f32(one, th));
    }
    case ActKind::relu: {
      const uint32x4_t keep = vmvnq_u32(vcltq_f32(x, vdupq_n_f32(0.0f)));  // NaN and x >= 0 kept
      return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(x), keep));
    }
  }
  return x;
}
}  // namespace

void act_apply_f32_neon(ActKind kind, const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, apply(kind, vld1q_f32(x + i)));
  if (i < n) {
    float buf[4] = {0, 0, 0, 0};
    for (int64_t j = i; j < n; ++j) buf[j - i] = x[j];
    const float32x4_t r = apply(kind, vld1q_f32(buf));
    vst1q_f32(buf, r);
    for (int64_t j = i; j < n; ++j) y[j] = buf[j - i];
  }
}

}  // namespace attnscan
