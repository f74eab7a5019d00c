// The storage types a weight may keep (checkpoints store f32, f16 or bf16; kernels compute in f32),
// and the scalar conversion of a whole vector, for small weights a kernel widens once per call.
#pragma once
#include <cstdint>
#include <cstring>

#include "common/half.h"

namespace attnscan {

enum class WeightDtype { f32 = 0, f16 = 1, bf16 = 2 };

// Internal linkage: included by ISA translation units too (see common/half.h).
namespace {

inline bool parse_weight_dtype(const char* name, WeightDtype* out) {
  if (std::strcmp(name, "f32") == 0) *out = WeightDtype::f32;
  else if (std::strcmp(name, "f16") == 0) *out = WeightDtype::f16;
  else if (std::strcmp(name, "bf16") == 0) *out = WeightDtype::bf16;
  else return false;
  return true;
}

// out[i] = f32(w[i]) for i < n.
inline void weight_to_f32(const void* w, WeightDtype dt, int64_t n, float* out) {
  switch (dt) {
    case WeightDtype::f32: std::memcpy(out, w, size_t(n) * sizeof(float)); break;
    case WeightDtype::f16:
      for (int64_t i = 0; i < n; ++i) out[i] = f16_to_f32(static_cast<const uint16_t*>(w)[i]);
      break;
    case WeightDtype::bf16:
      for (int64_t i = 0; i < n; ++i) out[i] = bf16_to_f32(static_cast<const uint16_t*>(w)[i]);
      break;
  }
}

}  // namespace
}  // namespace attnscan
