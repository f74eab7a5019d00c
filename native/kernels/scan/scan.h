// Mamba-1 selective scan (Gu & Dao 2023, Algorithm 2; state-spaces/mamba selective_scan_ref and
// selective_state_update), f32 in and out, f32 state and accumulation, token-major:
//   u, delta [batch, seq_len, dim]     A [dim, d_state]     B, C [batch, seq_len, groups, d_state]
//   D, delta_bias [dim] (optional)     z [batch, seq_len, dim] (optional)
//   state [batch, dim, d_state] (h_0; zeros when null)
//   -> y [batch, seq_len, dim], last_state [batch, dim, d_state] (h after the last step)
// Channel d reads group g = d / (dim / groups). For each step t:
//   dt   = delta[t, d] + delta_bias[d];  dt = softplus(dt) if delta_softplus (dt > 20: dt, as torch)
//   h[n] = exp(dt * A[d, n]) * h[n] + dt * B[t, g, n] * u[t, d]
//   y    = sum_n C[t, g, n] * h[n] + D[d] * u[t, d];   y *= silu(z[t, d]) if z is given
// NaN and Inf propagate as in the reference (no clamping of delta or of the state).
//
// Prefill (scan_selective_*) and the decode step (scan_step_*, seq_len 1) are separate kernels.
// Both work on one batch row b and a channel range [d0, d1) that never crosses a group boundary,
// so B and C are one row of d_state values per step. The SIMD prefill vectorises over channels:
// the state of a block of channels lives transposed in `scratch` ([d_state][block] floats, plus the
// same again for A transposed), B[t, g, n] and C[t, g, n] are broadcasts, and softplus, D and the
// silu(z) gate run on whole vectors with no horizontal sum. The step vectorises over d_state, the
// state's own memory order, with dt and the gate computed vectorised over channels around it.
// The SIMD paths stage A pre-multiplied by log2 e and evaluate exp(dt * A) as a lean 2^x (the one
// exp per state element per step is nearly the whole cost).
// SIMD paths agree with the reference within ~1e-5 relative (polynomial exp/log, FMA).
#pragma once
#include <cstdint>

#include "common/status.h"

namespace attnscan {

struct ScanArgs {
  int64_t batch, seq_len, dim, d_state, groups;
  const float* u;           // [batch, seq_len, dim]
  const float* delta;       // [batch, seq_len, dim]
  const float* A;           // [dim, d_state]
  const float* B;           // [batch, seq_len, groups, d_state]
  const float* C;           // [batch, seq_len, groups, d_state]
  const float* D;           // [dim] or null
  const float* z;           // [batch, seq_len, dim] or null
  const float* delta_bias;  // [dim] or null
  bool delta_softplus;
  const float* state;  // [batch, dim, d_state] or null
  float* y;            // [batch, seq_len, dim]
  float* last_state;   // [batch, dim, d_state]
};

// Channels per prefill task; scratch holds 2 * d_state * kScanBlock floats.
constexpr int64_t kScanBlock = 32;

using ScanFn = void (*)(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void scan_selective_f32_ref(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void scan_selective_f32_avx2(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void scan_selective_f32_avx512(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void scan_selective_f32_neon(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void scan_step_f32_ref(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void scan_step_f32_avx2(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void scan_step_f32_avx512(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);
void scan_step_f32_neon(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch);

// Dispatching entries: pick the ISA and split (batch x channel blocks) over the pool. seq_len 0
// copies the initial state. scan_step_f32 requires seq_len == 1.
Result scan_selective_f32(const ScanArgs& a);
Result scan_step_f32(const ScanArgs& a);

}  // namespace attnscan
