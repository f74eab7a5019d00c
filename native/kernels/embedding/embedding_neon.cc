#include "common/half.h"
#include "common/simd_neon.h"
#include "kernels/embedding/embedding.h"

namespace attnscan {

void embedding_row_f32_neon(const uint16_t* row, WeightDtype dtype, int64_t n, float* y) {
  int64_t i = 0;
  if (dtype == WeightDtype::bf16) {
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, neon::load_bf16(row + i));
    for (; i < n; ++i) y[i] = bf16_to_f32(row[i]);
  } else {
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, neon::load_f16(row + i));
    for (; i < n; ++i) y[i] = f16_to_f32(row[i]);
  }
}

}  // namespace attnscan
