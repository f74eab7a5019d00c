// Scaled dot-product attention, f32 (flash-style: tiles and an online softmax, no score matrix).
//   out[b,i,h,:] = sum_j p_ij v[b,j,g,:],  p_i = softmax_j(scale * q[b,i,h,:]·k[b,j,g,:] + bias[(b,)h,i,j])
// over the keys j query i may see: key_mask[b,j] != 0 and, if causal, j <= i + seq_k - seq_q (a
// chunk of seq_q new queries after a cache; a decode step seq_q = 1 sees every key).
// g = h / (heads / kv_heads): GQA (MQA: kv_heads = 1). A row that sees no key, or only keys whose
// biased score is -inf, is zeros, never NaN.
//   q:        [batch, seq_q, heads, head_dim]
//   k, v:     [batch, seq_k, kv_heads, head_dim]
//   key_mask: [batch, seq_k] uint8, 1 keep (or null)
//   bias:     [heads, seq_q, seq_k], or [batch, heads, seq_q, seq_k] when bias_batched (or null)
//   out:      [batch, seq_q, heads, head_dim]
// K and V share one storage type (kv_dtype): f32, or f16 bits (an f16 KV cache), widened to f32
// exactly as they are read, so f16 K/V give the f32 result of the same (f16-rounded) values.
// Accumulation f32. The online softmax rescales partial sums by exp(m_old - m_new) per key tile;
// results stay within 3e-5 absolute + 1e-4 relative of the reference for unit-scale inputs.
// Memory per task: packed K^T and V of one kv head (O(seq_k · head_dim)) plus one query tile.
#pragma once
#include <cstdint>

#include "common/status.h"

namespace attnscan {

enum class KvDtype { f32 = 0, f16 = 1 };

struct AttentionArgs {
  const float* q;
  const void* k;  // float or uint16_t (f16 bits), per kv_dtype
  const void* v;
  KvDtype kv_dtype;
  const uint8_t* key_mask;
  const float* bias;
  bool bias_batched;
  float* out;
  int64_t batch, seq_q, seq_k, heads, kv_heads, head_dim;
  float scale;
  bool causal;
};

// Query rows of a tile are (position, head in group) pairs, head fastest, so the query heads that
// share a kv head share every K/V load. kAttnRowTarget rows per tile (rounded to the 6-row
// register block), kAttnKeyTile keys per tile, head_dim padded to 16 floats.
constexpr int64_t kAttnRowTarget = 96;
constexpr int64_t kAttnRowBlock = 6;
constexpr int64_t kAttnKeyTile = 64;
constexpr int64_t kAttnDecodeBlock = 256;

static inline int64_t attn_round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Prefill task: query tiles first_tile, first_tile + tile_stride, ... of (batch b, kv head g).
struct AttentionTile {
  int64_t b, g, first_tile, tile_stride;
};

// Scratch offsets (floats, 16-aligned) shared by every ISA's tile function.
struct AttentionTileLayout {
  int64_t group, d_pad, q_tile, rows_pad, key_pad, n_tiles;
  int64_t kt, vp, maskadd, qp, s, o, m, l, alpha, ref_scores, krow, total;
};

static inline AttentionTileLayout attention_tile_layout(const AttentionArgs& a) {
  AttentionTileLayout L{};
  L.group = a.heads / a.kv_heads;
  L.d_pad = attn_round_up(a.head_dim, 16);
  L.q_tile = L.group >= kAttnRowTarget ? 1 : kAttnRowTarget / L.group;
  L.rows_pad = attn_round_up(L.q_tile * L.group, kAttnRowBlock);
  L.key_pad = attn_round_up(a.seq_k, kAttnKeyTile);
  L.n_tiles = (a.seq_q + L.q_tile - 1) / L.q_tile;
  int64_t at = 0;
  auto take = [&](int64_t n) { const int64_t o = at; at += attn_round_up(n, 16); return o; };
  L.kt = take(L.key_pad * a.head_dim);
  L.vp = take(L.key_pad * L.d_pad);
  L.maskadd = take(L.key_pad);
  L.qp = take(L.rows_pad * a.head_dim);
  L.s = take(L.rows_pad * kAttnKeyTile);
  L.o = take(L.rows_pad * L.d_pad);
  L.m = take(L.rows_pad);
  L.l = take(L.rows_pad);
  L.alpha = take(L.rows_pad);
  L.ref_scores = take(a.seq_k);
  L.krow = take(a.head_dim);
  L.total = at;
  return L;
}

// Decode task (seq_q == 1): every query head of batch row b against keys [j0, j1). A task covers
// all kv heads so that it reads the cache in address order: token-major K/V put one key's rows of
// every kv head side by side (see attention_decode_run). partial == null: write the normalized rows to out. Otherwise
// write per head h partial[h * (d_pad + 2) + {0: m, 1: l, 2..: acc}] with m the max score,
// l = sum exp(s - m) and acc = sum exp(s - m) v (m = -inf, l = 0 when no key was visible); the
// dispatcher merges a row's partials.
struct AttentionSplit {
  int64_t b, j0, j1;
  float* partial;
};

// The fewest keys a decode task gets when a row's keys are split over tasks.
constexpr int64_t kAttnDecodeMinChunk = 256;

struct AttentionDecodeLayout {
  int64_t group, d_pad;
  int64_t qs, s, madd, acc, m, l, ref_scores, total;
};

static inline AttentionDecodeLayout attention_decode_layout(const AttentionArgs& a) {
  AttentionDecodeLayout L{};
  L.group = a.heads / a.kv_heads;
  L.d_pad = attn_round_up(a.head_dim, 16);
  int64_t at = 0;
  auto take = [&](int64_t n) { const int64_t o = at; at += attn_round_up(n, 16); return o; };
  L.qs = take(a.heads * L.d_pad);
  L.s = take(a.heads * kAttnDecodeBlock);
  L.madd = take(kAttnDecodeBlock);
  L.acc = take(a.heads * L.d_pad);
  L.m = take(a.heads);
  L.l = take(a.heads);
  L.ref_scores = take(a.seq_k);
  L.total = at;
  return L;
}

// The last key query position i may see, plus one (0..seq_k).
static inline int64_t attn_key_end(const AttentionArgs& a, int64_t i) {
  if (!a.causal) return a.seq_k;
  const int64_t e = i + a.seq_k - a.seq_q + 1;
  return e < 0 ? 0 : (e > a.seq_k ? a.seq_k : e);
}

using AttentionTileFn = void (*)(const AttentionArgs& a, const AttentionTile& t, float* scratch);
using AttentionDecodeFn = void (*)(const AttentionArgs& a, const AttentionSplit& t, float* scratch);

void attention_tile_f32_ref(const AttentionArgs& a, const AttentionTile& t, float* scratch);
void attention_tile_f32_avx2(const AttentionArgs& a, const AttentionTile& t, float* scratch);
void attention_tile_f32_avx512(const AttentionArgs& a, const AttentionTile& t, float* scratch);
void attention_tile_f32_neon(const AttentionArgs& a, const AttentionTile& t, float* scratch);

void attention_decode_f32_ref(const AttentionArgs& a, const AttentionSplit& t, float* scratch);
void attention_decode_f32_avx2(const AttentionArgs& a, const AttentionSplit& t, float* scratch);
void attention_decode_f32_avx512(const AttentionArgs& a, const AttentionSplit& t, float* scratch);
void attention_decode_f32_neon(const AttentionArgs& a, const AttentionSplit& t, float* scratch);

// Dispatching entry (arguments already validated): picks the ISA, splits the work over the pool.
Result attention_f32(const AttentionArgs& a);

// Ragged decode: `rows` independent sequences with one new query each, every one over its own
// keys (a continuous-batching step, where each sequence owns a KV cache of its own length).
//   q, out:      [rows, heads, head_dim]
//   k[r], v[r]:  [seq_k[r], kv_heads, head_dim], every row's in kv_dtype
//   key_mask[r]: [seq_k[r]] uint8, 1 keep (or null);  bias[r]: [heads, seq_k[r]] (or null)
// Row r's output is attention_f32's with batch = seq_q = 1 on row r's arguments (one query after
// its cache sees every key, so there is no causal flag), bit for bit unless that call would split
// a long cache's keys over threads. One pool job covers every (row, kv head) pair, instead of one
// job per row; only when the pairs are fewer than the threads does each row run alone (and split).
constexpr int64_t kRaggedMaxRows = 256;
struct RaggedAttentionArgs {
  const float* q;
  float* out;
  const void* k[kRaggedMaxRows];
  const void* v[kRaggedMaxRows];
  KvDtype kv_dtype;
  const uint8_t* key_mask[kRaggedMaxRows];
  const float* bias[kRaggedMaxRows];
  int64_t seq_k[kRaggedMaxRows];
  int64_t rows, heads, kv_heads, head_dim;
  float scale;
};
Result attention_ragged_f32(const RaggedAttentionArgs& a);

}  // namespace attnscan
