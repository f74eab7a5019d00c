#include <cmath>
#include <cstring>

#include "kernels/rope/rope.h"

namespace attnscan {

void rope_cos_sin_ref(float angle, float* c, float* s) {
  *c = float(std::cos(double(angle)));
  *s = float(std::sin(double(angle)));
}

void rope_expand_pairs(const float* cos, const float* sin, int64_t half, float* cos2, float* sin2) {
  for (int64_t i = 0; i < half; ++i) {
    cos2[2 * i] = cos2[2 * i + 1] = cos[i];
    sin2[2 * i] = -sin[i];
    sin2[2 * i + 1] = sin[i];
  }
}

void rope_apply_f32_ref(const float* x, float* y, int64_t tokens, const int32_t* positions, const float* inv_freq,
                        const RopeParams& p, float* scratch, const RopeTensor& k) {
  const int64_t half = p.rotary_dim / 2;
  float* cos = scratch;
  float* sin = scratch + half;
  for (int64_t t = 0; t < tokens; ++t) {
    const float pos = float(positions[t]);
    for (int64_t i = 0; i < half; ++i) {
      rope_cos_sin_ref(pos * inv_freq[i], &cos[i], &sin[i]);
      cos[i] *= p.scaling;
      sin[i] *= p.scaling;
    }
    for (int64_t h = 0; h < p.heads + k.heads; ++h) {
      const bool second = h >= p.heads;
      const float* xh = second ? k.x + (t * k.heads + h - p.heads) * p.head_dim : x + (t * p.heads + h) * p.head_dim;
      float* yh = second ? k.y + (t * k.heads + h - p.heads) * p.head_dim : y + (t * p.heads + h) * p.head_dim;
      for (int64_t i = 0; i < half; ++i) {
        const int64_t ia = p.interleaved ? 2 * i : i, ib = p.interleaved ? 2 * i + 1 : i + half;
        const float a = xh[ia], b = xh[ib];
        const float ac = a * cos[i], bs = b * sin[i], bc = b * cos[i], as = a * sin[i];
        yh[ia] = ac - bs;
        yh[ib] = bc + as;
      }
      if (xh != yh) std::memcpy(yh + p.rotary_dim, xh + p.rotary_dim, size_t(p.head_dim - p.rotary_dim) * sizeof(float));
    }
  }
}

}  // namespace attnscan
