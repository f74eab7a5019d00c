// Elementwise ops on hot paths, f32 in and out (y may alias a or gate).
//   binary: y = a + b | a * b;  a, y: [rows, n];  b: [rows, n] (b_stride = n) or [n] broadcast
//           over the rows (b_stride = 0).
//   gated:  y = act(gate) * up;  gate, up, y: [n];  act: silu (SwiGLU), gelu_tanh (T5 v1.1
//           gated-gelu = HF gelu_new), gelu (erf). Fused per block of 1024: the act family's own
//           ISA function (native/kernels/act) writes act(gate) into y while it is in L1, then y *= up,
//           so the activation math lives in one place; equals act() then mul() to the last bit.
// add/mul are exact (one rounding, as the reference); gated within act's 2e-6 relative bound.
#pragma once
#include <cstdint>

#include "common/status.h"
#include "kernels/act/act.h"

namespace attnscan {

enum class BinaryKind { add = 0, mul = 1 };
bool parse_binary_kind(const char* name, BinaryKind* out);

using BinaryFn = void (*)(BinaryKind kind, const float* a, const float* b, float* y, int64_t rows, int64_t n, int64_t b_stride);
void elementwise_binary_f32_ref(BinaryKind kind, const float* a, const float* b, float* y, int64_t rows, int64_t n, int64_t b_stride);
void elementwise_binary_f32_avx2(BinaryKind kind, const float* a, const float* b, float* y, int64_t rows, int64_t n, int64_t b_stride);
void elementwise_binary_f32_avx512(BinaryKind kind, const float* a, const float* b, float* y, int64_t rows, int64_t n, int64_t b_stride);
void elementwise_binary_f32_neon(BinaryKind kind, const float* a, const float* b, float* y, int64_t rows, int64_t n, int64_t b_stride);

using GatedFn = void (*)(ActKind kind, const float* gate, const float* up, float* y, int64_t n);
void elementwise_gated_f32_ref(ActKind kind, const float* gate, const float* up, float* y, int64_t n);
void elementwise_gated_f32_avx2(ActKind kind, const float* gate, const float* up, float* y, int64_t n);
void elementwise_gated_f32_avx512(ActKind kind, const float* gate, const float* up, float* y, int64_t n);
void elementwise_gated_f32_neon(ActKind kind, const float* gate, const float* up, float* y, int64_t n);

// Dispatching entries: pick the ISA, split over the pool. b_rows is rows (same shape) or 1 (broadcast).
Result elementwise_binary_f32(BinaryKind kind, const float* a, const float* b, float* y, int64_t rows, int64_t n, int64_t b_rows);
Result elementwise_gated_f32(ActKind kind, const float* gate, const float* up, float* y, int64_t n);

}  // namespace attnscan
