#include <cmath>
#include <cstring>

#include "kernels/act/act.h"

namespace attnscan {

bool parse_act_kind(const char* name, ActKind* out) {
  static const struct { const char* name; ActKind kind; } table[] = {
      {"silu", ActKind::silu}, {"gelu", ActKind::gelu}, {"gelu_tanh", ActKind::gelu_tanh}, {"relu", ActKind::relu}};
  for (const auto& e : table) {
    if (std::strcmp(e.name, name) == 0) {
      *out = e.kind;
      return true;
    }
  }
  return false;
}

void act_apply_f32_ref(ActKind kind, const float* x, float* y, int64_t n) {
  switch (kind) {
    case ActKind::silu:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] / (1.0f + std::exp(-x[i]));
      break;
    case ActKind::gelu:
      for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678118654752f));
      break;
    case ActKind::gelu_tanh:
      for (int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        y[i] = 0.5f * v * (1.0f + std::tanh(0.79788456080286536f * (v + 0.044715f * v * v * v)));
      }
      break;
    case ActKind::relu:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : (x[i] == x[i] ? 0.0f : x[i]);
      break;
  }
}

}  // namespace attnscan
