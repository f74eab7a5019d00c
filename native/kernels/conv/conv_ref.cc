#include <cmath>

#include "kernels/conv/conv.h"

namespace attnscan {

void conv_causal_f32_ref(const ConvArgs& a, int64_t b, int64_t d0, int64_t d1, float*) {
  const int64_t L = a.seq_len, dim = a.dim, K = a.width, hist = K - 1;
  for (int64_t d = d0; d < d1; ++d) {
    const float* st = a.state ? a.state + (b * dim + d) * hist : nullptr;
    // Input at position p in [-hist, L): the state before the sequence, x within it.
    auto at = [&](int64_t p) { return p >= 0 ? a.x[(b * L + p) * dim + d] : st ? st[hist + p] : 0.0f; };
    for (int64_t t = 0; t < L; ++t) {
      float acc = a.bias ? a.bias[d] : 0.0f;
      for (int64_t k = 0; k < K; ++k) acc += a.weight[d * K + k] * at(t - hist + k);
      a.y[(b * L + t) * dim + d] = a.silu ? acc / (1.0f + std::exp(-acc)) : acc;
    }
    for (int64_t j = 0; j < hist; ++j) a.new_state[(b * dim + d) * hist + j] = at(L - hist + j);
  }
}

void conv_step_f32_ref(const ConvArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch) {
  conv_causal_f32_ref(a, b, d0, d1, scratch);
}

}  // namespace attnscan
