// linear: y = x · Wᵀ + b (+ residual) (PyTorch nn.Linear; GPT-2's Conv1D weights are transposed at load).
//   x:    [rows, in]   f32
//   w:    [out, in]    f32, or f16 / bf16 raw bits, converted to f32 exactly (common/half.h)
//   bias: [out]        f32, optional (null)
//   residual: [rows, out] f32, optional (null): a pre-norm block's skip connection, added in the
//         epilogue; may be y itself (each element is read before it is written), never a partial overlap
//   y:    [rows, out]  f32;  y[r, o] = bias[o] + sum_k x[r, k] * w[o, k] + residual[r, o]
// Accumulation f32. The SIMD paths sum in a different order than the reference, so they agree
// with it to about 1e-6 relative to sum_k |x[r, k] * w[o, k]|.
//
// Two shapes of work, split over the pool by matmul_dispatch.cc:
// - GEMV (rows <= kGemvMaxRows: decode, short prompts): memory-bound; each W row is streamed
//   once and dotted with every x row while it is in registers, several W rows at a time,
//   f16/bf16 converted on the fly. Tiles are ranges of outputs. Up to kGemvBlockedMaxRows rows
//   a tile runs it once per block of kGemvMaxRows rows.
// - GEMM (more rows, prefill): compute-bound; BLIS-style blocking. A tile of y (rows x outputs)
//   packs kKc-deep panels of W (converted to f32 while packing) and of x into the caller's
//   scratch, then runs a register-blocked micro-kernel over them.
#pragma once
#include <cstdint>

#include "common/status.h"
#include "kernels/act/act.h"

namespace attnscan {

enum class WeightType { f32 = 0, f16 = 1, bf16 = 2 };
bool parse_weight_type(const char* name, WeightType* out);

struct LinearArgs {
  const float* x;     // [rows, in]
  const void* w;      // [out, in], element type wtype
  WeightType wtype;
  const float* bias;  // [out] or null
  float* y;           // [rows, out]
  int64_t rows, in, out;
  const float* residual;  // [rows, out] or null (last: positional initialisers leave it null)
};

// Up to this many rows the GEMV (no packing, W read once) also beats the GEMM: with 8 rows its
// FMAs per weight load already keep the FMA units busy.
constexpr int64_t kGemvMaxRows = 8;
// Up to this many rows (a continuous-batching step of 9..16 sequences) the GEMV still beats the
// GEMM, run as blocks of kGemvMaxRows rows over each task's outputs: the GEMM's packing converts
// every weight to f32 for few rows, while the second block finds the task's W slice in cache.
constexpr int64_t kGemvBlockedMaxRows = 16;

// Rows [r0, r0 + kGemvMaxRows) of a (fewer at the end) as a problem of its own.
inline LinearArgs gemv_row_block(const LinearArgs& a, int64_t r0) {
  LinearArgs b = a;
  b.x = a.x + r0 * a.in;
  b.y = a.y ? a.y + r0 * a.out : nullptr;  // gatedLinear leaves gate.y and up.y null
  b.residual = a.residual ? a.residual + r0 * a.out : nullptr;
  b.rows = a.rows - r0 < kGemvMaxRows ? a.rows - r0 : kGemvMaxRows;
  return b;
}
// GEMM blocking shared by every ISA: kMc is a multiple of each micro-kernel's row count (14, 6, 8)
// and a GEMM tile spans at most kNcMax outputs.
constexpr int64_t kKc = 256;
constexpr int64_t kMc = 168;
constexpr int64_t kNcMax = 1024;
// Floats of scratch a GEMM tile needs (packed W panel, packed x block, conversion rows, edge tile).
constexpr int64_t kGemmScratchFloats = kKc * (kNcMax + 32) + kKc * (kMc + 16) + 32 * kKc + 16 * 64;

// y rows [r0, r1) x outputs [o0, o1), o1 - o0 <= kNcMax; scratch: kGemmScratchFloats, 64-byte aligned.
using GemmTileFn = void (*)(const LinearArgs& a, int64_t r0, int64_t r1, int64_t o0, int64_t o1, float* scratch);
// Every row (a.rows <= kGemvMaxRows) x outputs [o0, o1).
using GemvTileFn = void (*)(const LinearArgs& a, int64_t o0, int64_t o1);

void matmul_gemm_tile_ref(const LinearArgs& a, int64_t r0, int64_t r1, int64_t o0, int64_t o1, float* scratch);
void matmul_gemm_tile_avx2(const LinearArgs& a, int64_t r0, int64_t r1, int64_t o0, int64_t o1, float* scratch);
void matmul_gemm_tile_avx512(const LinearArgs& a, int64_t r0, int64_t r1, int64_t o0, int64_t o1, float* scratch);
void matmul_gemm_tile_neon(const LinearArgs& a, int64_t r0, int64_t r1, int64_t o0, int64_t o1, float* scratch);

void matmul_gemv_tile_ref(const LinearArgs& a, int64_t o0, int64_t o1);
void matmul_gemv_tile_avx2(const LinearArgs& a, int64_t o0, int64_t o1);
void matmul_gemv_tile_avx512(const LinearArgs& a, int64_t o0, int64_t o1);
void matmul_gemv_tile_neon(const LinearArgs& a, int64_t o0, int64_t o1);

// Dispatching entry: picks the ISA and the GEMV or GEMM path, splits y over the pool.
// Fails only with Status::oom (GEMM scratch).
Result matmul_linear(const LinearArgs& a);

// Several linears over the same x in one pool job (q/k/v; gate/up): parts[i].x, .rows and .in are
// equal; each part has its own w, wtype, bias, y and out (and residual: none from the addon). A decode step issues one hand-off to the
// pool for all of them instead of one per projection. Same results as matmul_linear per part.
Result matmul_linear_group(const LinearArgs* parts, int n_parts);

// h [rows, out] = act(x · gateᵀ + gate_bias) * (x · upᵀ + up_bias) (SwiGLU, gated GELU): gate and up
// share x, in, out and wtype; their y are ignored and their residual must be null. For short x (rows <= kGemvBlockedMaxRows) each task
// computes a slice of outputs of both products into its own stack buffers and applies the gate
// there (no [rows, out] intermediates, one pool job); longer x runs the two GEMMs into temporaries
// (Status::oom if they cannot be allocated), then the gated elementwise kernel. Equals
// matmul_linear twice then elementwise_gated_f32.
Result matmul_gated_linear(const LinearArgs& gate, const LinearArgs& up, ActKind act, float* h);

}  // namespace attnscan
