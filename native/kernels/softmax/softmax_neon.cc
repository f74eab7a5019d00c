#include <cmath>
#include <limits>

#include "common/simd_neon.h"
#include "kernels/softmax/softmax.h"

namespace attnscan {

void softmax_rows_f32_neon(const float* x, float* y, int64_t rows, int64_t n) {
  const float ninf = -std::numeric_limits<float>::infinity();
  const int64_t body = n & ~int64_t(3);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;
    float32x4_t mv = vdupq_n_f32(ninf);
    for (int64_t i = 0; i < body; i += 4) mv = vmaxnmq_f32(mv, vld1q_f32(xr + i));
    float m = vmaxnmvq_f32(mv);
    for (int64_t i = body; i < n; ++i) m = xr[i] > m ? xr[i] : m;
    if (m == ninf) {
      softmax_masked_row(xr, yr, n);
      continue;
    }
    const float32x4_t mb = vdupq_n_f32(m);
    float32x4_t s0 = vdupq_n_f32(0.0f);
    for (int64_t i = 0; i < body; i += 4) {
      const float32x4_t e = neon::exp(vsubq_f32(vld1q_f32(xr + i), mb));
      vst1q_f32(yr + i, e);
      s0 = vaddq_f32(s0, e);
    }
    float sum = neon::hsum(s0);
    if (body < n) {
      float buf[4] = {ninf, ninf, ninf, ninf};
      for (int64_t i = body; i < n; ++i) buf[i - body] = xr[i];
      const float32x4_t e = neon::exp(vsubq_f32(vld1q_f32(buf), mb));
      vst1q_f32(buf, e);
      for (int64_t i = body; i < n; ++i) {
        yr[i] = buf[i - body];
        sum += buf[i - body];
      }
    }
    const float inv = 1.0f / sum;
    const float32x4_t iv = vdupq_n_f32(inv);
    for (int64_t i = 0; i < body; i += 4) vst1q_f32(yr + i, vmulq_f32(vld1q_f32(yr + i), iv));
    for (int64_t i = body; i < n; ++i) yr[i] *= inv;
  }
}

}  // namespace attnscan
