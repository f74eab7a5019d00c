// Mamba's causal depthwise conv1d (Dao-AILab/causal-conv1d causal_conv1d_ref and
// causal_conv1d_update_ref), f32, token-major:
//   x [batch, seq_len, dim]   weight [dim, width]   bias [dim] (optional)
//   state [batch, dim, width-1] (the width-1 inputs before x, oldest first; zeros when null)
//   -> y [batch, seq_len, dim], new_state [batch, dim, width-1] (the last width-1 inputs of
//      state ++ x, oldest first; must not overlap state)
//   y[t, d] = act(bias[d] + sum_k weight[d, k] * xin[t - (width-1) + k, d]),  act = silu or identity
// where xin is x with the state prepended; tap width-1 multiplies the current token.
// Prefill (conv_causal_*) and decode step (conv_step_*, seq_len 1, which shifts the rolling state
// by one input) are separate kernels. Both take one batch row b and a channel range [d0, d1) of at
// most kConvBlock channels, vectorise over channels (x and y rows are contiguous across channels),
// and stage the taps and the history transposed in `scratch` (2 * width * kConvBlock floats) so
// every tap is a vector load. SIMD paths agree with the reference within ~1e-6 relative.
#pragma once
#include <cstdint>

#include "common/status.h"

namespace attnscan {

struct ConvArgs {
  int64_t batch, seq_len, dim, width;
  const float* x;       // [batch, seq_len, dim]
  const float* weight;  // [dim, width]
  const float* bias;    // [dim] or null
  const float* state;   // [batch, dim, width-1] or null
  bool silu;
  float* y;          // [batch, seq_len, dim]
  float* new_state;  // [batch, dim, width-1]
};

constexpr int64_t kConvBlock = 32;

using ConvFn = void (*)(const ConvArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void conv_causal_f32_ref(const ConvArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void conv_causal_f32_avx2(const ConvArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void conv_causal_f32_avx512(const ConvArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void conv_causal_f32_neon(const ConvArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void conv_step_f32_ref(const ConvArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void conv_step_f32_avx2(const ConvArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void conv_step_f32_avx512(const ConvArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void conv_step_f32_neon(const ConvArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);

// Dispatching entries: pick the ISA and split (batch x channel blocks) over the pool.
// conv_step_f32 requires seq_len == 1.
Result conv_causal_f32(const ConvArgs& a);
Result conv_step_f32(const ConvArgs& a);

}  // namespace attnscan
