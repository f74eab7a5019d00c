#include <arm_neon.h>

#include "kernels/probe/probe.h"

namespace attnscan {

// 24 q-register chains (of 32): big cores issue 4 FMAs a cycle at latency 4, so need 16.
double probe_fma_f32_neon(int64_t iters, float* sink) {
  constexpr int kAcc = 24;
  const float32x4_t a = vdupq_n_f32(1.0f - 1.0f / 1024), b = vdupq_n_f32(1.0f / 1024);
  float32x4_t acc[kAcc];
  for (int j = 0; j < kAcc; ++j) acc[j] = vdupq_n_f32(float(j) / kAcc);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 24
    for (int j = 0; j < kAcc; ++j) acc[j] = vfmaq_f32(b, acc[j], a);
  }
  float32x4_t s = acc[0];
  for (int j = 1; j < kAcc; ++j) s = vaddq_f32(s, acc[j]);
  *sink = vaddvq_f32(s);
  return 2.0 * 4 * kAcc * double(iters);
}

float probe_read_f32_neon(const float* x, int64_t n) {
  float32x4_t s0 = vdupq_n_f32(0), s1 = s0, s2 = s0, s3 = s0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = vaddq_f32(s0, vld1q_f32(x + i));
    s1 = vaddq_f32(s1, vld1q_f32(x + i + 4));
    s2 = vaddq_f32(s2, vld1q_f32(x + i + 8));
    s3 = vaddq_f32(s3, vld1q_f32(x + i + 12));
  }
  float t = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
  for (; i < n; ++i) t += x[i];
  return t;
}

void probe_copy_f32_neon(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vld1q_f32(x + i));
  for (; i < n; ++i) y[i] = x[i];
}

void probe_triad_f32_neon(const float* x, const float* z, float s, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(x + i), vld1q_f32(z + i), s));
  for (; i < n; ++i) y[i] = x[i] + s * z[i];
}

}  // namespace attnscan
