#include "common/simd_neon.h"
#include "kernels/elementwise/elementwise.h"

namespace attnscan {

namespace {
inline float32x4_t op(BinaryKind kind, float32x4_t a, float32x4_t b) { return kind == BinaryKind::add ? vaddq_f32(a, b) : vmulq_f32(a, b); }

// y[i] = a[i] (op) b[i] over n elements.
inline void row(BinaryKind kind, const float* a, const float* b, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, op(kind, vld1q_f32(a + i), vld1q_f32(b + i)));
  for (; i < n; ++i) y[i] = kind == BinaryKind::add ? a[i] + b[i] : a[i] * b[i];
}
}  // namespace

void elementwise_binary_f32_neon(BinaryKind kind, const float* a, const float* b, float* y, int64_t rows, int64_t n, int64_t b_stride) {
  for (int64_t r = 0; r < rows; ++r) row(kind, a + r * n, b + r * b_stride, y + r * n, n);
}

void elementwise_gated_f32_neon(ActKind kind, const float* gate, const float* up, float* y, int64_t n) {
  constexpr int64_t kBlock = 1024;
  for (int64_t s = 0; s < n; s += kBlock) {
    const int64_t len = n - s < kBlock ? n - s : kBlock;
    act_apply_f32_neon(kind, gate + s, y + s, len);
    row(BinaryKind::mul, y + s, up + s, y + s, len);
  }
}

}  // namespace attnscan
