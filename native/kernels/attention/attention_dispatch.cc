#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>

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

// Decode (seq_q == 1): one task per (batch, kv head); when that leaves threads idle and the cache
// is long, each task's keys are split and the partial softmaxes merged here:
//   M = max_s m_s,  out = sum_s exp(m_s - M) acc_s / sum_s exp(m_s - M) l_s.
Result run_decode(const AttentionArgs& a) {
  const AttentionDecodeFn fn = pick<AttentionDecodeFn>(
      attention_decode_f32_ref, ATTNSCAN_X86(attention_decode_f32_avx2), ATTNSCAN_X86(attention_decode_f32_avx512),
      ATTNSCAN_ARM(attention_decode_f32_neon));
  const AttentionDecodeLayout L = attention_decode_layout(a);
  const int64_t pairs = a.batch * a.kv_heads, threads = num_threads();
  int64_t splits = 1;
  if (pairs < threads) {
    splits = std::min<int64_t>((2 * threads + pairs - 1) / pairs, a.seq_k / kAttnDecodeBlock);
    splits = std::max<int64_t>(splits, 1);
  }
  const int64_t chunk = attn_round_up((a.seq_k + splits - 1) / splits, 16);
  const int64_t row = L.d_pad + 2, per_task = L.group * row;
  Scratch partial(splits > 1 ? pairs * splits * per_task : 0);
  if (splits > 1 && !partial.data) return oom();
  std::atomic<bool> failed{false};
  parallel_for(pairs * splits, [&](int64_t task) {
    Scratch s(L.total);
    if (!s.data) {
      failed = true;
      return;
    }
    const int64_t pair = task / splits, part = task % splits;
    const int64_t j0 = std::min(a.seq_k, part * chunk), j1 = std::min(a.seq_k, j0 + chunk);
    fn(a, AttentionSplit{pair / a.kv_heads, pair % a.kv_heads, j0, j1, splits > 1 ? partial.data + task * per_task : nullptr},
       s.data);
  });
  if (failed) return oom();
  if (splits == 1) return {};
  const int64_t D = a.head_dim;
  for (int64_t pair = 0; pair < pairs; ++pair) {
    for (int64_t hh = 0; hh < L.group; ++hh) {
      const float* first = partial.data + pair * splits * per_task + hh * row;
      float* dst = a.out + ((pair / a.kv_heads) * a.heads + (pair % a.kv_heads) * L.group + hh) * D;
      float m = -INFINITY;
      for (int64_t s = 0; s < splits; ++s) m = std::max(m, first[s * per_task]);
      std::memset(dst, 0, size_t(D) * sizeof(float));
      if (m == -INFINITY) continue;
      float l = 0.0f;
      for (int64_t s = 0; s < splits; ++s) {
        const float* p = first + s * per_task;
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

}  // namespace

Result attention_ragged_f32(const RaggedAttentionArgs& a) {
  // Too few (row, kv head) pairs to feed the pool: each row alone, so long caches split their keys.
  if (a.rows * a.kv_heads < num_threads()) {
    for (int64_t r = 0; r < a.rows; ++r) {
      const Result res = attention_f32(ragged_row(a, r));
      if (!res.ok()) return res;
    }
    return {};
  }
  const AttentionDecodeFn fn = pick<AttentionDecodeFn>(
      attention_decode_f32_ref, ATTNSCAN_X86(attention_decode_f32_avx2), ATTNSCAN_X86(attention_decode_f32_avx512),
      ATTNSCAN_ARM(attention_decode_f32_neon));
  std::atomic<bool> failed{false};
  parallel_for(a.rows * a.kv_heads, [&](int64_t task) {
    const AttentionArgs x = ragged_row(a, task / a.kv_heads);
    const int64_t g = task % a.kv_heads;
    if (x.seq_k == 0) {
      const int64_t group = a.heads / a.kv_heads;
      std::memset(x.out + g * group * a.head_dim, 0, size_t(group * a.head_dim) * sizeof(float));
      return;
    }
    Scratch s(attention_decode_layout(x).total);
    if (!s.data) {
      failed = true;
      return;
    }
    fn(x, AttentionSplit{0, g, 0, x.seq_k, nullptr}, s.data);
  });
  return failed ? oom() : Result{};
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
