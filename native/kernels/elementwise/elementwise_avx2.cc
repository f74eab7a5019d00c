#include "common/simd_avx2.h"
#include "kernels/elementwise/elementwise.h"

namespace attnscan {
using namespace avx2;

namespace {
inline __m256 op(BinaryKind kind, __m256 a, __m256 b) { return kind == BinaryKind::add ? _mm256_add_ps(a, b) : _mm256_mul_ps(a, b); }

// y[i] = a[i] (op) b[i] over n elements.
inline void row(BinaryKind kind, const float* a, const float* b, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_ps(y + i, op(kind, _mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
    _mm256_storeu_ps(y + i + 8, op(kind, _mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8)));
  }
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, op(kind, _mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
  if (i < n) {
    const __m256i m = tail_mask(int(n - i));
    _mm256_maskstore_ps(y + i, m, op(kind, _mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m)));
  }
}
}  // namespace

void elementwise_binary_f32_avx2(BinaryKind kind, const float* a, const float* b, float* y, int64_t rows, int64_t n, int64_t b_stride) {
  for (int64_t r = 0; r < rows; ++r) row(kind, a + r * n, b + r * b_stride, y + r * n, n);
}

void elementwise_gated_f32_avx2(ActKind kind, const float* gate, const float* up, float* y, int64_t n) {
  constexpr int64_t kBlock = 1024;
  for (int64_t s = 0; s < n; s += kBlock) {
    const int64_t len = n - s < kBlock ? n - s : kBlock;
    act_apply_f32_avx2(kind, gate + s, y + s, len);
    row(BinaryKind::mul, y + s, up + s, y + s, len);
  }
}

}  // namespace attnscan
