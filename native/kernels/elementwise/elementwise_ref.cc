#include <cstring>

#include "kernels/elementwise/elementwise.h"

namespace attnscan {

bool parse_binary_kind(const char* name, BinaryKind* out) {
  if (std::strcmp(name, "add") == 0) *out = BinaryKind::add;
  else if (std::strcmp(name, "mul") == 0) *out = BinaryKind::mul;
  else return false;
  return true;
}

void elementwise_binary_f32_ref(BinaryKind kind, const float* a, const float* b, float* y, int64_t rows, int64_t n, int64_t b_stride) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* ar = a + r * n;
    const float* br = b + r * b_stride;
    float* yr = y + r * n;
    if (kind == BinaryKind::add) {
      for (int64_t i = 0; i < n; ++i) yr[i] = ar[i] + br[i];
    } else {
      for (int64_t i = 0; i < n; ++i) yr[i] = ar[i] * br[i];
    }
  }
}

void elementwise_gated_f32_ref(ActKind kind, const float* gate, const float* up, float* y, int64_t n) {
  act_apply_f32_ref(kind, gate, y, n);
  for (int64_t i = 0; i < n; ++i) y[i] *= up[i];
}

}  // namespace attnscan
