// The GEMV (rows 1..8) driver shared by the ISA files and included only from them, so every
// instantiation is compiled with its file's ISA flags. An Isa supplies
//   groups<R>()                    how many W rows one group streams at a time for R x rows (bounded
//                                  by the register file: R x G accumulators + G weight vectors + x)
//   streams<R>()                   whether a group's rows come from G slices of the tile (below)
//                                  or are G adjacent rows
//   group<W, R, G>(a, o, stride)   y[r, o + g * stride] for g < G and every row r < R, reading
//                                  those G W rows once
// and the weight readers F32, F16, Bf16 (one per stored dtype).
#pragma once
#include <cstdint>

#include "kernels/matmul/matmul.h"

namespace attnscan {
namespace {

// The x86 GEMVs' policy: row streams while the weight stream bounds the loop, i.e. up to 4 x rows
// (at 8 they measured 0.86-0.94x: the adjacent rows and the next group's prefetch win there), with
// one software prefetch per line kGemvPrefetchBytes along each stream (best among 0.75-4 KiB).
template <int R>
constexpr bool gemv_row_streams() { return R <= 4; }
constexpr int64_t kGemvPrefetchBytes = 1024;

// Bytes from a group's current line to the one it prefetches: along the same stream (past a row's
// end is the next row of its slice), or for adjacent rows the same spot of the next group's rows.
// (Past W's end is harmless.)
template <int R, int G>
constexpr int64_t gemv_prefetch_ahead(int64_t in, int64_t weight_bytes) {
  return gemv_row_streams<R>() ? kGemvPrefetchBytes : G * in * weight_bytes;
}

// With streams<R>(), the G rows of a group come from G equal slices of the tile, each walked from
// its first row to its last: G long sequential streams through W, which the hardware prefetchers
// follow, rather than G adjacent rows, whose short interleaved streams restart every group (the
// weight-bound one-row GEMV gains 1.2-1.5x at one thread on Zen 4; bench/native/gemv-stream.cc).
template <class Isa, class W, int R>
void gemv_rows(const LinearArgs& a, int64_t o0, int64_t o1) {
  constexpr int G = Isa::template groups<R>();
  int64_t o = o0;
  if (Isa::template streams<R>()) {
    const int64_t q = (o1 - o0) / G;
    for (int64_t i = 0; i < q; ++i) Isa::template group<W, R, G>(a, o0 + i, q);
    o = o0 + G * q;
  } else {
    for (; o + G <= o1; o += G) Isa::template group<W, R, G>(a, o, 1);
  }
  for (; o < o1; ++o) Isa::template group<W, R, 1>(a, o, 0);
}

template <class Isa, class W>
void gemv_for_rows(const LinearArgs& a, int64_t o0, int64_t o1) {
  switch (a.rows) {
    case 1: gemv_rows<Isa, W, 1>(a, o0, o1); break;
    case 2: gemv_rows<Isa, W, 2>(a, o0, o1); break;
    case 3: gemv_rows<Isa, W, 3>(a, o0, o1); break;
    case 4: gemv_rows<Isa, W, 4>(a, o0, o1); break;
    case 5: gemv_rows<Isa, W, 5>(a, o0, o1); break;
    case 6: gemv_rows<Isa, W, 6>(a, o0, o1); break;
    case 7: gemv_rows<Isa, W, 7>(a, o0, o1); break;
    default: gemv_rows<Isa, W, 8>(a, o0, o1); break;
  }
}

// Outputs [o0, o1) of a GEMV over a's rows, dispatched on the stored weight dtype.
template <class Isa>
void gemv_tile(const LinearArgs& a, int64_t o0, int64_t o1) {
  switch (a.wtype) {
    case WeightType::f32: gemv_for_rows<Isa, typename Isa::F32>(a, o0, o1); break;
    case WeightType::f16: gemv_for_rows<Isa, typename Isa::F16>(a, o0, o1); break;
    case WeightType::bf16: gemv_for_rows<Isa, typename Isa::Bf16>(a, o0, o1); break;
  }
}

}  // namespace
}  // namespace attnscan
