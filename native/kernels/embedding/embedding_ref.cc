#include "common/half.h"
#include "kernels/embedding/embedding.h"

namespace attnscan {

void embedding_row_f32_ref(const uint16_t* row, WeightDtype dtype, int64_t n, float* y) {
  if (dtype == WeightDtype::bf16) {
    for (int64_t i = 0; i < n; ++i) y[i] = bf16_to_f32(row[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = f16_to_f32(row[i]);
  }
}

}  // namespace attnscan
