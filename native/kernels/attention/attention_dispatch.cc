#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "common/alloc.h"
#include "common/pool.h"
#include "kernels/attention/attention.h"
#include "kernels/dispatch.h"

namespace attnscan {
namespace {

// A task's scratch, 64-byte aligned; null on failure.
struct Scratch {
  void* raw = nullptr;
  float* data = nullptr;
  explicit Scratch(int64_t floats) {
    raw = scratch_malloc(size_t(floats) * sizeof(float) + 64);
    if (raw) data = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(raw) + 63) & ~uintptr_t(63));
  }
  ~Scratch() { std::free(raw); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

Result oom() { return Result::fail(Status::oom, "attention: out of memory for scratch buffers"); }

// Prefill: one task per (batch, kv head, share of its query tiles). A task packs K^T and V of its
// kv head once and reuses them for every query tile it owns; tiles are dealt out round-robin so
// causal tasks get equal work. More shares only when batch x kv_heads leaves threads idle.
Result run_tiles(const AttentionArgs& a) {
  const AttentionTileFn fn = pick<AttentionTileFn>(attention_tile_f32_ref, ATTNSCAN_X86(attention_tile_f32_avx2),
                                                   ATTNSCAN_X86(attention_tile_f32_avx512),
                                                   ATTNSCAN_ARM(attention_tile_f32_neon));
  const AttentionTileLayout L = attention_tile_layout(a);
  const int64_t pairs = a.batch * a.kv_heads, threads = num_threads();
  const int64_t shares = std::clamp<int64_t>((2 * threads + pairs - 1) / pairs, 1, L.n_tiles);
  std::atomic<bool> failed{false};
  parallel_for(pairs * shares, [&](int64_t task) {
    Scratch s(L.total);
    if (!s.data) {
      failed = true;
      return;
    }
    const int64_t pair = task / shares;
    fn(a, AttentionTile{pair / a.kv_heads, pair % a.kv_heads, task % shares, shares}, s.data);
  });
  return failed ? oom() : Result{};
}

// A decode query row: its arguments and its batch index in them.
struct DecodeRow {
  AttentionArgs a;
  int64_t b;
};

// Row r of a ragged call as a plain one-query call.
AttentionArgs ragged_row(const RaggedAttentionArgs& a, int64_t r) {
  AttentionArgs x{};
  const int64_t q_row = a.heads * a.head_dim;
  x.q = a.q + r * q_row;
  x.out = a.out + r * q_row;
  x.k = a.k[r];
  x.v = a.v[r];
  x.kv_dtype = a.kv_dtype;
  x.key_mask = a.key_mask[r];
  x.bias = a.bias[r];
  x.batch = 1;
  x.seq_q = 1;
  x.seq_k = a.seq_k[r];
  x.heads = a.heads;
  x.kv_heads = a.kv_heads;
  x.head_dim = a.head_dim;
  x.scale = a.scale;
  return x;
}

// Decode (seq_q == 1) of `rows` query rows, row(r) giving each. One task per (row, chunk of its
// keys), covering every head. Keys are split only when the rows alone would leave threads idle:
// then into chunks of at least kAttnDecodeMinChunk keys, about two tasks per thread over all the
// rows' keys (so a long row next to short ones does not run alone), and a split row's partial
// softmaxes are merged here:  M = max_s m_s,  out = sum_s exp(m_s - M) acc_s / sum_s exp(m_s - M) l_s.
template <class RowFn>
Result run_decode_rows(int64_t rows, RowFn row) {
  const AttentionDecodeFn fn = pick<AttentionDecodeFn>(
      attention_decode_f32_ref, ATTNSCAN_X86(attention_decode_f32_avx2), ATTNSCAN_X86(attention_decode_f32_avx512),
      ATTNSCAN_ARM(attention_decode_f32_neon));
  const int64_t threads = num_threads();
  int64_t chunk = INT64_MAX;
  if (threads > 1 && rows < 2 * threads) {
    int64_t keys = 0;
    for (int64_t r = 0; r < rows; ++r) keys += row(r).a.seq_k;
    chunk = std::max(kAttnDecodeMinChunk, attn_round_up((keys + 2 * threads - 1) / (2 * threads), 64));
  }
  // first[r]: row r's first task.
  const std::unique_ptr<int64_t[]> first_owner(new (std::nothrow) int64_t[size_t(rows) + 1]);
  if (!first_owner) return oom();
  int64_t* first = first_owner.get();
  first[0] = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t n = row(r).a.seq_k;
    first[r + 1] = first[r] + (n <= chunk ? 1 : (n + chunk - 1) / chunk);
  }
  const int64_t tasks = first[rows];
  const DecodeRow r0 = row(0);
  const int64_t D = r0.a.head_dim, heads = r0.a.heads;
  const int64_t row_floats = attention_decode_layout(r0.a).d_pad + 2, per_task = heads * row_floats;
  const bool split = tasks > rows;
  Scratch partial(split ? tasks * per_task : 0);
  if (split && !partial.data) return oom();
  std::atomic<bool> failed{false};
  parallel_for(tasks, [&](int64_t task) {
    const int64_t r = std::upper_bound(first, first + rows + 1, task) - first - 1;
    const DecodeRow x = row(r);
    const int64_t n = first[r + 1] - first[r], part = task - first[r];
    Scratch s(attention_decode_layout(x.a).total);
    if (!s.data) {
      failed = true;
      return;
    }
    const int64_t j0 = std::min(x.a.seq_k, part * chunk), j1 = n == 1 ? x.a.seq_k : std::min(x.a.seq_k, j0 + chunk);
    fn(x.a, AttentionSplit{x.b, j0, j1, n > 1 ? partial.data + task * per_task : nullptr}, s.data);
  });
  if (failed) return oom();
  if (!split) return {};
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t n = first[r + 1] - first[r];
    if (n == 1) continue;
    const DecodeRow x = row(r);
    for (int64_t h = 0; h < heads; ++h) {
      const float* part0 = partial.data + first[r] * per_task + h * row_floats;
      float* dst = x.a.out + (x.b * x.a.seq_q * heads + h) * D;
      float m = -INFINITY;
      for (int64_t c = 0; c < n; ++c) m = std::max(m, part0[c * per_task]);
      std::memset(dst, 0, size_t(D) * sizeof(float));
      if (m == -INFINITY) continue;
      float l = 0.0f;
      for (int64_t c = 0; c < n; ++c) {
        const float* p = part0 + c * per_task;
        if (p[0] == -INFINITY) continue;
        const float w = std::exp(p[0] - m);
        l += w * p[1];
        for (int64_t d = 0; d < D; ++d) dst[d] += w * p[2 + d];
      }
      const float inv = 1.0f / l;
      for (int64_t d = 0; d < D; ++d) dst[d] *= inv;
    }
  }
  return {};
}

Result run_decode(const AttentionArgs& a) {
  return run_decode_rows(a.batch, [&](int64_t r) { return DecodeRow{a, r}; });
}

}  // namespace

Result attention_ragged_f32(const RaggedAttentionArgs& a) {
  if (a.rows == 0) return {};
  return run_decode_rows(a.rows, [&](int64_t r) { return DecodeRow{ragged_row(a, r), 0}; });
}

Result attention_f32(const AttentionArgs& a) {
  if (a.batch == 0 || a.seq_q == 0) return {};
  if (a.seq_k == 0) {
    std::memset(a.out, 0, size_t(a.batch * a.seq_q * a.heads * a.head_dim) * sizeof(float));
    return {};
  }
  return a.seq_q == 1 ? run_decode(a) : run_tiles(a);
}

}  // namespace attnscan
