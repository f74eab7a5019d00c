// Elementwise activations, f32 in and out, in place allowed (x == y).
//   silu(x)      = x * sigmoid(x) = x / (1 + exp(-x))
//   gelu(x)      = 0.5 x (1 + erf(x / sqrt 2))                         (exact, BERT/BART)
//   gelu_tanh(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))     (GPT-2 "gelu_new")
//   relu(x)      = max(x, 0)                                           (T5)
// x, y: [n]. Accumulation f32; SIMD paths within 2e-6 relative (+1e-7 absolute) of the reference.
#pragma once
#include <cstdint>

#include "common/status.h"

namespace attnscan {

enum class ActKind { silu = 0, gelu = 1, gelu_tanh = 2, relu = 3 };
bool parse_act_kind(const char* name, ActKind* out);

using ActFn = void (*)(ActKind kind, const float* x, float* y, int64_t n);
void act_apply_f32_ref(ActKind kind, const float* x, float* y, int64_t n);
void act_apply_f32_avx2(ActKind kind, const float* x, float* y, int64_t n);
void act_apply_f32_avx512(ActKind kind, const float* x, float* y, int64_t n);
void act_apply_f32_neon(ActKind kind, const float* x, float* y, int64_t n);

// Dispatching entry: picks the ISA, splits n over the pool.
Result act_apply_f32(ActKind kind, const float* x, float* y, int64_t n);

}  // namespace attnscan
