#include "common/simd_avx512.h"
#include "kernels/elementwise/elementwise.h"

namespace attnscan {
using namespace avx512;

namespace {
inline __m512 op(BinaryKind kind, __m512 a, __m512 b) { return kind == BinaryKind::add ? _mm512_add_ps(a, b) : _mm512_mul_ps(a, b); }

// y[i] = a[i] (op) b[i] over n elements.
inline void row(BinaryKind kind, const float* a, const float* b, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    _mm512_storeu_ps(y + i, op(kind, _mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i)));
    _mm512_storeu_ps(y + i + 16, op(kind, _mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16)));
  }
  for (; i < n; i += 16) {
    const __mmask16 m = tail_mask(int(n - i < 16 ? n - i : 16));
    _mm512_mask_storeu_ps(y + i, m, op(kind, _mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i)));
  }
}
}  // namespace

void elementwise_binary_f32_avx512(BinaryKind kind, const float* a, const float* b, float* y, int64_t rows, int64_t n, int64_t b_stride) {
  for (int64_t r = 0; r < rows; ++r) row(kind, a + r * n, b + r * b_stride, y + r * n, n);
}

void elementwise_gated_f32_avx512(ActKind kind, const float* gate, const float* up, float* y, int64_t n) {
  constexpr int64_t kBlock = 1024;
  for (int64_t s = 0; s < n; s += kBlock) {
    const int64_t len = n - s < kBlock ? n - s : kBlock;
    act_apply_f32_avx512(kind, gate + s, y + s, len);
    row(BinaryKind::mul, y + s, up + s, y + s, len);
  }
}

}  // namespace attnscan
