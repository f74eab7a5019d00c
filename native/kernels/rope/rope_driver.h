// The per-token loop shared by the ISA rope files. Included only by rope_<isa>.cc and instantiated
// there with that file's helpers, so it compiles with that ISA's flags; it holds no intrinsics:
//   tables(pos, inv_freq, half, scaling, cos, sin)   cos[half], sin[half] for one position
//   rotate_half(x, y, half, cos, sin)                pairs (x[i], x[i + half])
//   rotate_pairs(x, y, rotary_dim, cos2, sin2)       pairs (x[2i], x[2i + 1]), tables from rope_expand_pairs
#pragma once

#include <cstring>

#include "kernels/rope/rope.h"

namespace attnscan {
namespace {

using RopeTablesFn = void (*)(float pos, const float* inv_freq, int64_t half, float scaling, float* cos, float* sin);
using RopeRotateFn = void (*)(const float* x, float* y, int64_t n, const float* cos, const float* sin);

template <RopeTablesFn tables, RopeRotateFn rotate_half, RopeRotateFn rotate_pairs>
void rope_apply_driver(const float* x, float* y, int64_t tokens, const int32_t* positions, const float* inv_freq,
                       const RopeParams& p, float* scratch, const RopeTensor& k) {
  const int64_t half = p.rotary_dim / 2;
  float* cos = scratch;
  float* sin = scratch + half;
  float* cos2 = scratch + p.rotary_dim;
  float* sin2 = cos2 + p.rotary_dim;
  for (int64_t t = 0; t < tokens; ++t) {
    tables(float(positions[t]), inv_freq, half, p.scaling, cos, sin);
    if (p.interleaved) rope_expand_pairs(cos, sin, half, cos2, sin2);
    for (int64_t h = 0; h < p.heads + k.heads; ++h) {
      const bool second = h >= p.heads;
      const float* xh = second ? k.x + (t * k.heads + h - p.heads) * p.head_dim : x + (t * p.heads + h) * p.head_dim;
      float* yh = second ? k.y + (t * k.heads + h - p.heads) * p.head_dim : y + (t * p.heads + h) * p.head_dim;
      if (p.interleaved) rotate_pairs(xh, yh, p.rotary_dim, cos2, sin2);
      else rotate_half(xh, yh, half, cos, sin);
      if (xh != yh)
        std::memcpy(yh + p.rotary_dim, xh + p.rotary_dim, size_t(p.head_dim - p.rotary_dim) * sizeof(float));
    }
  }
}

}  // namespace
}  // namespace attnscan
