#include <cstring>

#include "common/half.h"
#include "kernels/matmul/matmul.h"

namespace attnscan {

bool parse_weight_type(const char* name, WeightType* out) {
  static const struct { const char* name; WeightType type; } table[] = {
      {"f32", WeightType::f32}, {"f16", WeightType::f16}, {"bf16", WeightType::bf16}};
  for (const auto& e : table) {
    if (std::strcmp(e.name, name) == 0) {
      *out = e.type;
      return true;
    }
  }
  return false;
}

namespace {

inline float weight_at(const LinearArgs& a, int64_t i) {
  switch (a.wtype) {
    case WeightType::f16: return f16_to_f32(static_cast<const uint16_t*>(a.w)[i]);
    case WeightType::bf16: return bf16_to_f32(static_cast<const uint16_t*>(a.w)[i]);
    case WeightType::f32: break;
  }
  return static_cast<const float*>(a.w)[i];
}

void linear_ref(const LinearArgs& a, int64_t r0, int64_t r1, int64_t o0, int64_t o1) {
  for (int64_t r = r0; r < r1; ++r) {
    const float* x = a.x + r * a.in;
    for (int64_t o = o0; o < o1; ++o) {
      float acc = 0.0f;
      for (int64_t k = 0; k < a.in; ++k) acc += x[k] * weight_at(a, o * a.in + k);
      a.y[r * a.out + o] = acc + (a.bias ? a.bias[o] : 0.0f) + (a.residual ? a.residual[r * a.out + o] : 0.0f);
    }
  }
}

}  // namespace

void matmul_gemm_tile_ref(const LinearArgs& a, int64_t r0, int64_t r1, int64_t o0, int64_t o1, float*) {
  linear_ref(a, r0, r1, o0, o1);
}

void matmul_gemv_tile_ref(const LinearArgs& a, int64_t o0, int64_t o1) { linear_ref(a, 0, a.rows, o0, o1); }

}  // namespace attnscan
