// NEON (AArch64 baseline) helpers shared by the *_neon.cc files. Same exp as simd_avx2.h.
#pragma once
#include <arm_neon.h>
#include <cstdint>

namespace attnscan::neon {

inline float hsum(float32x4_t v) { return vaddvq_f32(v); }
inline float hmax(float32x4_t v) { return vmaxvq_f32(v); }

inline float32x4_t exp(float32x4_t x) {
  const float32x4_t hi = vdupq_n_f32(88.3762626647949f), lo = vdupq_n_f32(-87.3365447504f);
  const uint32x4_t underflow = vcltq_f32(x, lo);
  const uint32x4_t is_nan = vmvnq_u32(vceqq_f32(x, x));
  float32x4_t xc = vmaxq_f32(vminq_f32(x, hi), lo);
  float32x4_t n = vrndnq_f32(vmulq_f32(xc, vdupq_n_f32(1.44269504088896341f)));
  float32x4_t r = vfmsq_f32(xc, n, vdupq_n_f32(0.693359375f));
  r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
  float32x4_t p = vdupq_n_f32(1.9875691500E-4f);
  p = vfmaq_f32(vdupq_n_f32(1.3981999507E-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(8.3334519073E-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(4.1665795894E-2f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.6666665459E-1f), p, r);
  p = vfmaq_f32(vdupq_n_f32(5.0000001201E-1f), p, r);
  p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), p, vmulq_f32(r, r));
  int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
  float32x4_t y = vmulq_f32(p, vreinterpretq_f32_s32(e));
  y = vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(y), underflow));
  return vbslq_f32(is_nan, x, y);
}

inline float32x4_t load_f16(const uint16_t* p) {
  return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
}
inline float32x4_t load_bf16(const uint16_t* p) {
  return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16));
}

}  // namespace attnscan::neon
