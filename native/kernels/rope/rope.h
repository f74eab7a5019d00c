// Rotary position embedding, f32 in and out.
// x, y: [tokens = batch * seq, heads, head_dim]; positions: [tokens] int32; inv_freq: [rotary_dim / 2]
// (the caller computes it: 1 / theta^(2i / rotary_dim) by default, or an HF rope_scaling variant).
// Only the first rotary_dim features of each head rotate; the rest are copied. For frequency i of
// a token at position p, exactly as HF computes it in float32:
//   angle = f32(f32(p) * inv_freq[i]);  c = f32(cos(angle)) * scaling;  s = f32(sin(angle)) * scaling
//   half (HF LLaMA rotate_half, h = rotary_dim / 2): pairs (x[i], x[i + h])
//   interleaved (GPT-J):                              pairs (x[2i], x[2i + 1])
//   (a, b) -> (a c - b s, b c + a s)        (two roundings each, no FMA: bit-equal to torch's math)
// cos/sin: the reference uses libm in double; the ISA files reduce the f32 angle by pi/2 in double
// (Cody-Waite, FMA) and evaluate degree-11/12 polynomials in double, correct to ~1e-11 for
// |angle| < 2^20 (larger angles take libm lane by lane), then round to f32. SIMD paths within
// 2e-6 relative (+2e-6 absolute) of the reference; usually bit-equal.
#pragma once
#include <cstdint>

#include "common/status.h"

namespace attnscan {

struct RopeParams {
  int64_t heads, head_dim, rotary_dim;
  bool interleaved;
  float scaling;
};

// A second tensor rotated at the same positions with the same per-token tables (attention's k
// next to q, one call for both): x, y [tokens, heads, head_dim]; heads 0 = none. Same results as
// a call of its own.
struct RopeTensor {
  const float* x = nullptr;
  float* y = nullptr;
  int64_t heads = 0;
};

// scratch: 4 * rotary_dim floats owned by the caller (per-token cos/sin tables).
using RopeFn = void (*)(const float* x, float* y, int64_t tokens, const int32_t* positions, const float* inv_freq,
                        const RopeParams& p, float* scratch, const RopeTensor& k);
void rope_apply_f32_ref(const float* x, float* y, int64_t tokens, const int32_t* positions, const float* inv_freq, const RopeParams& p, float* scratch, const RopeTensor& k = {});
void rope_apply_f32_avx2(const float* x, float* y, int64_t tokens, const int32_t* positions, const float* inv_freq, const RopeParams& p, float* scratch, const RopeTensor& k = {});
void rope_apply_f32_avx512(const float* x, float* y, int64_t tokens, const int32_t* positions, const float* inv_freq, const RopeParams& p, float* scratch, const RopeTensor& k = {});
void rope_apply_f32_neon(const float* x, float* y, int64_t tokens, const int32_t* positions, const float* inv_freq, const RopeParams& p, float* scratch, const RopeTensor& k = {});

// cos/sin of one f32 angle via libm in double, rounded to f32 (the oracle; also the ISA files'
// fallback for huge angles).
void rope_cos_sin_ref(float angle, float* c, float* s);
// Expands half-tables cos[h], sin[h] into the interleaved pair layout: cos2[2i] = cos2[2i+1] = cos[i],
// sin2[2i] = -sin[i], sin2[2i+1] = sin[i] (so y = x * cos2 + swap_pairs(x) * sin2).
void rope_expand_pairs(const float* cos, const float* sin, int64_t half, float* cos2, float* sin2);

// Dispatching entry: picks the ISA, splits tokens over the pool (Status::oom if scratch fails).
Result rope_apply_f32(const float* x, float* y, int64_t tokens, const int32_t* positions, const float* inv_freq, const RopeParams& p,
                      const RopeTensor& k = {});

}  // namespace attnscan
