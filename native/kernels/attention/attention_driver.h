// The prefill tile driver and decode driver shared by the ISA attention files. Included only by
// attention_<isa>.cc and instantiated there with that file's Ops, so it compiles with that ISA's
// flags; it holds no intrinsics itself. Ops provides (all static):
//   kLanes                      floats per vector
//   qk_block(qp, D, kt, s)      s[6][64] = qp[6][D] · kt[D][64]
//   pv_rows(p, vp, d_pad, nk, alpha, o)   o[6][d_pad] = alpha * o + p[6][nk] · vp[nk][d_pad]
//   softmax_step(s, nvec, maskadd, bias, nbias, cut, m, l, alpha)   online softmax over one row
//   f16_row(src, n, dst)        dst[0, n) = f32(src[0, n)), f16 bits widened (F16C / NEON)
//   key_dots<NH, NV>(kr, D, q, Dp, s, ss)      s[h * ss] = q[h * Dp] · kr[0, D), h < NH (one key, one kv head)
//   key_axpys<NH, NV>(vr, D, p, ps, acc, Dp)   acc[h * Dp + d] += p[h * ps] * vr[d], h < NH
//   (NV > 0: D == NV * kLanes, a loop the compiler unrolls; NV == 0: any D)
// with T the K/V element (float, or uint16_t f16 bits widened in registers as they are loaded:
// the decode step is bound by reading the cache, so f16 halves its bytes).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels/attention/attention.h"
#include "kernels/attention/attention_pack.h"

namespace attnscan {
namespace {

template <class Ops>
void attention_tile_driver(const AttentionArgs& a, const AttentionTile& t, float* scratch) {
  constexpr int W = Ops::kLanes;
  const AttentionTileLayout L = attention_tile_layout(a);
  const int64_t G = L.group, D = a.head_dim, Dp = L.d_pad;
  const int64_t last_tile = t.first_tile + (L.n_tiles - 1 - t.first_tile) / t.tile_stride * t.tile_stride;
  const int64_t kend = attn_key_end(a, std::min(a.seq_q, (last_tile + 1) * L.q_tile) - 1);
  attn_pack_kv(a, L, t.b, t.g, kend, scratch, Ops::f16_row);
  const float *kt = scratch + L.kt, *vp = scratch + L.vp, *madd = scratch + L.maskadd, *qp = scratch + L.qp;
  float *s = scratch + L.s, *o = scratch + L.o, *m = scratch + L.m, *l = scratch + L.l, *alpha = scratch + L.alpha;
  for (int64_t tile = t.first_tile; tile < L.n_tiles; tile += t.tile_stride) {
    const int64_t qi0 = tile * L.q_tile, nq = std::min(L.q_tile, a.seq_q - qi0);
    const int64_t rows = attn_pack_q(a, L, t.b, t.g, qi0, nq, scratch);
    const int64_t rows_pad = attn_round_up(rows, kAttnRowBlock);
    std::memset(o, 0, size_t(rows_pad * Dp) * sizeof(float));
    for (int64_t r = 0; r < rows_pad; ++r) {
      m[r] = -INFINITY;
      l[r] = 0.0f;
      alpha[r] = 1.0f;
    }
    // Key tiles past the last row's causal horizon are skipped; the others mask per row.
    const int64_t tile_end = attn_key_end(a, qi0 + nq - 1);
    for (int64_t j0 = 0; j0 < tile_end; j0 += kAttnKeyTile) {
      const int64_t nk = std::min(kAttnKeyTile, tile_end - j0);
      const int nvec = int((nk + W - 1) / W);
      for (int64_t rb = 0; rb < rows_pad; rb += kAttnRowBlock)
        Ops::qk_block(qp + rb * D, D, kt + j0 * D, s + rb * kAttnKeyTile);
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t qi = qi0 + r / G;
        const float* br = attn_bias_row(a, t.b, qi, t.g * G + r % G);
        Ops::softmax_step(s + r * kAttnKeyTile, nvec, madd + j0, br ? br + j0 : nullptr, a.seq_k - j0,
                          attn_key_end(a, qi) - j0, m + r, l + r, alpha + r);
        std::memset(s + r * kAttnKeyTile + nvec * W, 0, size_t(kAttnKeyTile - nvec * W) * sizeof(float));
      }
      std::memset(s + rows * kAttnKeyTile, 0, size_t((rows_pad - rows) * kAttnKeyTile) * sizeof(float));
      for (int64_t rb = 0; rb < rows_pad; rb += kAttnRowBlock)
        Ops::pv_rows(s + rb * kAttnKeyTile, vp + j0 * Dp, Dp, nk, alpha + rb, o + rb * Dp);
    }
    attn_finish_tile(a, L, t.b, t.g, qi0, nq, scratch);
  }
}

// fn(integral_constant NH, h0) for the query heads [0, G) of one kv head, up to 4 at a time.
template <class Fn>
inline void attn_for_head_quads(int64_t G, Fn fn) {
  for (int64_t h0 = 0; h0 < G; h0 += 4) {
    switch (std::min<int64_t>(4, G - h0)) {
      case 4: fn(std::integral_constant<int, 4>{}, h0); break;
      case 3: fn(std::integral_constant<int, 3>{}, h0); break;
      case 2: fn(std::integral_constant<int, 2>{}, h0); break;
      default: fn(std::integral_constant<int, 1>{}, h0); break;
    }
  }
}

// Blocks of kAttnDecodeBlock keys: every head's scores, every head's online softmax step, then
// every head's V accumulation. Both passes walk the block key by key and, within a key, kv head
// by kv head: the cache is read in address order, one sequential stream the hardware prefetcher
// follows (a kv head at a time would be a strided walk, one DRAM miss per key at 1.5-3 KiB
// strides: 3-4x slower cold, whatever the element size).
template <class Ops, class T, int NV>
void attention_decode_run(const AttentionArgs& a, const AttentionSplit& t, float* scratch) {
  constexpr int W = Ops::kLanes;
  const AttentionDecodeLayout L = attention_decode_layout(a);
  const int64_t G = L.group, D = a.head_dim, Dp = L.d_pad, KV = a.kv_heads, S = kAttnDecodeBlock;
  attn_pack_decode_q(a, L, t.b, scratch);
  const float* qs = scratch + L.qs;
  float *s = scratch + L.s, *madd = scratch + L.madd, *acc = scratch + L.acc, *m = scratch + L.m, *l = scratch + L.l;
  std::memset(acc, 0, size_t(a.heads * Dp) * sizeof(float));
  for (int64_t h = 0; h < a.heads; ++h) {
    m[h] = -INFINITY;
    l[h] = 0.0f;
  }
  const T* k = static_cast<const T*>(a.k);
  const T* v = static_cast<const T*>(a.v);
  const int64_t j1 = std::min(t.j1, attn_key_end(a, 0));
  for (int64_t j = t.j0; j < j1; j += S) {
    const int64_t n = std::min(S, j1 - j);
    attn_decode_maskadd(a, t.b, j, n, madd);
    for (int64_t x = 0; x < n; ++x) {
      const T* kr = k + attn_kv_offset(a, t.b, j + x, 0);
      for (int64_t g = 0; g < KV; ++g) {
        attn_for_head_quads(G, [&](auto nh, int64_t h0) {
          const int64_t h = g * G + h0;
          Ops::template key_dots<decltype(nh)::value, NV>(kr + g * D, D, qs + h * Dp, Dp, s + h * S + x, S);
        });
      }
    }
    for (int64_t h = 0; h < a.heads; ++h) {
      float* row = s + h * S;
      const float* br = attn_bias_row(a, t.b, 0, h);
      float al = 1.0f;
      for (int64_t x = 0; x < n; x += 64) {
        const int64_t nx = std::min<int64_t>(64, n - x);
        Ops::softmax_step(row + x, int((nx + W - 1) / W), madd + x, br ? br + j + x : nullptr, nx, nx, m + h, l + h,
                          &al);
        if (al != 1.0f) {
          // Earlier 64-key pieces of this block and the accumulator both carry the old max.
          for (int64_t y = 0; y < x; ++y) row[y] *= al;
          for (int64_t d = 0; d < Dp; ++d) acc[h * Dp + d] *= al;
        }
      }
    }
    for (int64_t x = 0; x < n; ++x) {
      const T* vr = v + attn_kv_offset(a, t.b, j + x, 0);
      for (int64_t g = 0; g < KV; ++g) {
        attn_for_head_quads(G, [&](auto nh, int64_t h0) {
          const int64_t h = g * G + h0;
          Ops::template key_axpys<decltype(nh)::value, NV>(vr + g * D, D, s + h * S + x, S, acc + h * Dp, Dp);
        });
      }
    }
  }
  attn_decode_write(a, L, t, scratch);
}

// Head sizes of the common models (64: BERT, GPT-2, small LLaMAs; 128: most larger ones) get
// fully unrolled per-key loops; any other size runs the generic loops.
template <class Ops, class T>
void attention_decode_sized(const AttentionArgs& a, const AttentionSplit& t, float* scratch) {
  constexpr int W = Ops::kLanes;
  if (a.head_dim == 64) attention_decode_run<Ops, T, 64 / W>(a, t, scratch);
  else if (a.head_dim == 128) attention_decode_run<Ops, T, 128 / W>(a, t, scratch);
  else attention_decode_run<Ops, T, 0>(a, t, scratch);
}

template <class Ops>
void attention_decode_driver(const AttentionArgs& a, const AttentionSplit& t, float* scratch) {
  if (a.kv_dtype == KvDtype::f16) attention_decode_sized<Ops, uint16_t>(a, t, scratch);
  else attention_decode_sized<Ops, float>(a, t, scratch);
}

}  // namespace
}  // namespace attnscan
