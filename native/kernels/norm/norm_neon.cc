#include <cmath>

#include "common/simd_neon.h"
#include "kernels/norm/norm.h"

namespace attnscan {
namespace {

// sum((x - shift)^2) and sum(x); scalar tails.
inline float sum_sq(const float* x, int64_t n, float shift) {
  const float32x4_t s = vdupq_n_f32(shift);
  float32x4_t a0 = vdupq_n_f32(0.0f), a1 = vdupq_n_f32(0.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t d0 = vsubq_f32(vld1q_f32(x + i), s), d1 = vsubq_f32(vld1q_f32(x + i + 4), s);
    a0 = vfmaq_f32(a0, d0, d0);
    a1 = vfmaq_f32(a1, d1, d1);
  }
  for (; i + 4 <= n; i += 4) {
    const float32x4_t d = vsubq_f32(vld1q_f32(x + i), s);
    a0 = vfmaq_f32(a0, d, d);
  }
  float acc = neon::hsum(vaddq_f32(a0, a1));
  for (; i < n; ++i) acc += (x[i] - shift) * (x[i] - shift);
  return acc;
}

inline float sum(const float* x, int64_t n) {
  float32x4_t a0 = vdupq_n_f32(0.0f), a1 = vdupq_n_f32(0.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    a0 = vaddq_f32(a0, vld1q_f32(x + i));
    a1 = vaddq_f32(a1, vld1q_f32(x + i + 4));
  }
  for (; i + 4 <= n; i += 4) a0 = vaddq_f32(a0, vld1q_f32(x + i));
  float acc = neon::hsum(vaddq_f32(a0, a1));
  for (; i < n; ++i) acc += x[i];
  return acc;
}

inline void scale_row(const float* x, float* y, int64_t n, float shift, float inv, const float* w, const float* b) {
  const float32x4_t s = vdupq_n_f32(shift), iv = vdupq_n_f32(inv);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    float32x4_t v = vmulq_f32(vsubq_f32(vld1q_f32(x + i), s), iv);
    if (w) v = vmulq_f32(v, vld1q_f32(w + i));
    if (b) v = vaddq_f32(v, vld1q_f32(b + i));
    vst1q_f32(y + i, v);
  }
  for (; i < n; ++i) {
    float v = (x[i] - shift) * inv;
    if (w) v *= w[i];
    y[i] = b ? v + b[i] : v;
  }
}
}  // namespace

void norm_rms_f32_neon(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float*, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * hidden;
    const float inv = 1.0f / std::sqrt(sum_sq(xr, hidden, 0.0f) / float(hidden) + eps);
    scale_row(xr, y + r * hidden, hidden, 0.0f, inv, weight, nullptr);
  }
}

void norm_layer_f32_neon(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float* bias, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * hidden;
    const float mean = sum(xr, hidden) / float(hidden);
    const float inv = 1.0f / std::sqrt(sum_sq(xr, hidden, mean) / float(hidden) + eps);
    scale_row(xr, y + r * hidden, hidden, mean, inv, weight, bias);
  }
}

}  // namespace attnscan
