// Scalar packing and finishing steps shared by the ISA tile and decode functions: they move data
// into the layouts the register-blocked loops read (K transposed per key tile, V and Q padded),
// and are O(seq_k · head_dim) per task against O(seq_q · seq_k · head_dim) of arithmetic.
#pragma once
#include <cmath>
#include <cstring>

#include "common/half.h"
#include "kernels/attention/attention.h"

namespace attnscan {

// Internal linkage on purpose: this header is compiled into baseline and ISA translation units
// alike, and an out-of-line copy built with AVX-512 flags must never be the one the linker keeps
// for baseline code.
namespace {

// Element offset of key j of kv head g in batch b's K or V ([batch, seq_k, kv_heads, head_dim]).
inline int64_t attn_kv_offset(const AttentionArgs& a, int64_t b, int64_t j, int64_t g) {
  return ((b * a.seq_k + j) * a.kv_heads + g) * a.head_dim;
}

// One K/V element as f32 (the reference's reads).
inline float attn_kv_at(const void* base, KvDtype dt, int64_t i) {
  return dt == KvDtype::f16 ? f16_to_f32(static_cast<const uint16_t*>(base)[i]) : static_cast<const float*>(base)[i];
}

// Scalar f16 row widening, for the reference (the ISA files pass their F16C / NEON versions).
inline void attn_f16_row_scalar(const uint16_t* src, int64_t n, float* dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(src[i]);
}

// Keys [0, kend) of (b, g), zero-padded to the key tile:
//   K^T tile-major: kt[(j / 64) * 64 * D + d * 64 + j % 64]   ([tile][head_dim][64])
//   V:              vp[j * d_pad + d]
//   maskadd[j]:     0 where the key may be attended, -inf for masked keys and padding.
// f16 K/V are widened here, once per task, by f16_row(src, n, dst) (the tile loops only see f32).
template <class F16Row>
inline void attn_pack_kv(const AttentionArgs& a, const AttentionTileLayout& L, int64_t b, int64_t g, int64_t kend,
                         float* scratch, F16Row f16_row) {
  const int64_t D = a.head_dim, Dp = L.d_pad;
  const bool half = a.kv_dtype == KvDtype::f16;
  const int64_t esize = half ? 2 : 4, stride = a.kv_heads * D * esize;
  const int64_t kpad = attn_round_up(kend, kAttnKeyTile);
  const char* kbase = static_cast<const char*>(a.k);
  const char* vbase = static_cast<const char*>(a.v);
  float* kt = scratch + L.kt;
  float* vp = scratch + L.vp;
  float* madd = scratch + L.maskadd;
  float* krow = scratch + L.krow;
  for (int64_t j = 0; j < kpad; ++j) {
    float* kcol = kt + (j / kAttnKeyTile) * kAttnKeyTile * D + j % kAttnKeyTile;
    float* vrow = vp + j * Dp;
    if (j < kend) {
      const int64_t at = attn_kv_offset(a, b, j, g) * esize;
      // Rows of one kv head are a page apart in large caches: fetch a few keys ahead.
      if (j + 4 < kend) {
        __builtin_prefetch(kbase + at + 4 * stride);
        __builtin_prefetch(vbase + at + 4 * stride);
      }
      const float* kr = reinterpret_cast<const float*>(kbase + at);
      if (half) {
        f16_row(reinterpret_cast<const uint16_t*>(kbase + at), D, krow);
        f16_row(reinterpret_cast<const uint16_t*>(vbase + at), D, vrow);
        kr = krow;
      } else {
        std::memcpy(vrow, vbase + at, size_t(D) * sizeof(float));
      }
      for (int64_t d = 0; d < D; ++d) kcol[d * kAttnKeyTile] = kr[d];
      std::memset(vrow + D, 0, size_t(Dp - D) * sizeof(float));
      madd[j] = (!a.key_mask || a.key_mask[b * a.seq_k + j]) ? 0.0f : -INFINITY;
    } else {
      for (int64_t d = 0; d < D; ++d) kcol[d * kAttnKeyTile] = 0.0f;
      std::memset(vrow, 0, size_t(Dp) * sizeof(float));
      madd[j] = -INFINITY;
    }
  }
}

// Query rows of positions [qi0, qi0 + nq) (head fastest), pre-scaled, zero rows up to rows_pad.
// Returns the row count.
inline int64_t attn_pack_q(const AttentionArgs& a, const AttentionTileLayout& L, int64_t b, int64_t g, int64_t qi0,
                           int64_t nq, float* scratch) {
  const int64_t D = a.head_dim, G = L.group, rows = nq * G;
  float* qp = scratch + L.qp;
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = a.q + ((b * a.seq_q + qi0 + r / G) * a.heads + g * G + r % G) * D;
    for (int64_t d = 0; d < D; ++d) qp[r * D + d] = src[d] * a.scale;
  }
  std::memset(qp + rows * D, 0, size_t((attn_round_up(rows, kAttnRowBlock) - rows) * D) * sizeof(float));
  return rows;
}

// Bias row of query position i, head h (null without bias).
inline const float* attn_bias_row(const AttentionArgs& a, int64_t b, int64_t i, int64_t h) {
  if (!a.bias) return nullptr;
  return a.bias + (((a.bias_batched ? b * a.heads : 0) + h) * a.seq_q + i) * a.seq_k;
}

// out = o / l per row; zeros for rows that saw no key (m = -inf).
inline void attn_finish_row(const float* o, float m, float l, int64_t D, float* dst) {
  if (m == -INFINITY) {
    std::memset(dst, 0, size_t(D) * sizeof(float));
    return;
  }
  const float inv = 1.0f / l;
  for (int64_t d = 0; d < D; ++d) dst[d] = o[d] * inv;
}

inline void attn_finish_tile(const AttentionArgs& a, const AttentionTileLayout& L, int64_t b, int64_t g, int64_t qi0,
                             int64_t nq, const float* scratch) {
  const int64_t D = a.head_dim, G = L.group;
  for (int64_t r = 0; r < nq * G; ++r) {
    float* dst = a.out + ((b * a.seq_q + qi0 + r / G) * a.heads + g * G + r % G) * D;
    attn_finish_row(scratch + L.o + r * L.d_pad, scratch[L.m + r], scratch[L.l + r], D, dst);
  }
}

// Decode: scaled queries of every head of row b, zero-padded to d_pad.
inline void attn_pack_decode_q(const AttentionArgs& a, const AttentionDecodeLayout& L, int64_t b, float* scratch) {
  const int64_t D = a.head_dim, Dp = L.d_pad;
  float* qs = scratch + L.qs;
  for (int64_t h = 0; h < a.heads; ++h) {
    const float* src = a.q + (b * a.seq_q * a.heads + h) * D;
    for (int64_t d = 0; d < Dp; ++d) qs[h * Dp + d] = d < D ? src[d] * a.scale : 0.0f;
  }
}

// Decode: 0 / -inf per key of the block [j, j + n).
inline void attn_decode_maskadd(const AttentionArgs& a, int64_t b, int64_t j, int64_t n, float* madd) {
  for (int64_t x = 0; x < n; ++x) madd[x] = (!a.key_mask || a.key_mask[b * a.seq_k + j + x]) ? 0.0f : -INFINITY;
}

// Decode: every head's row as partials (m, l, acc) or normalized into out.
inline void attn_decode_write(const AttentionArgs& a, const AttentionDecodeLayout& L, const AttentionSplit& t,
                              const float* scratch) {
  const int64_t D = a.head_dim, Dp = L.d_pad;
  for (int64_t h = 0; h < a.heads; ++h) {
    const float* acc = scratch + L.acc + h * Dp;
    const float m = scratch[L.m + h], l = scratch[L.l + h];
    if (t.partial) {
      float* p = t.partial + h * (Dp + 2);
      p[0] = m;
      p[1] = l;
      std::memcpy(p + 2, acc, size_t(D) * sizeof(float));
    } else {
      attn_finish_row(acc, m, l, D, a.out + (t.b * a.seq_q * a.heads + h) * D);
    }
  }
}

}  // namespace
}  // namespace attnscan
