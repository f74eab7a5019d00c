#include "common/half.h"
#include "common/simd_avx2.h"
#include "kernels/embedding/embedding.h"

namespace attnscan {

void embedding_row_f32_avx2(const uint16_t* row, WeightDtype dtype, int64_t n, float* y) {
  int64_t i = 0;
  if (dtype == WeightDtype::bf16) {
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, avx2::load_bf16(row + i));
    for (; i < n; ++i) y[i] = bf16_to_f32(row[i]);
  } else {
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, avx2::load_f16(row + i));
    for (; i < n; ++i) y[i] = f16_to_f32(row[i]);
  }
}

}  // namespace attnscan
