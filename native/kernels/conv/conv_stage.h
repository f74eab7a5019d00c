// The staging every SIMD conv path shares: taps and history transposed into per-call scratch so
// the ISA loops read channel-contiguous vectors. Plain C++, internal linkage (it is compiled into
// each ISA translation unit; see common/half.h for why that matters).
#pragma once
#include <cstdint>

#include "kernels/conv/conv.h"

namespace attnscan {
namespace {

// wT [width][kConvBlock] and hT [width-1][kConvBlock]: taps and history transposed, zero beyond
// the block's w channels.
inline void conv_stage(const ConvArgs& a, int64_t b, int64_t d0, int64_t w, float* wT, float* hT) {
  constexpr int64_t kS = kConvBlock;
  const int64_t K = a.width, hist = K - 1;
  for (int64_t k = 0; k < K; ++k)
    for (int64_t j = 0; j < kS; ++j) wT[k * kS + j] = j < w ? a.weight[(d0 + j) * K + k] : 0.0f;
  for (int64_t i = 0; i < hist; ++i)
    for (int64_t j = 0; j < kS; ++j) hT[i * kS + j] = j < w && a.state ? a.state[(b * a.dim + d0 + j) * hist + i] : 0.0f;
}

}  // namespace
}  // namespace attnscan
