// The oracle: one query row at a time, exact two-pass softmax, plain loops; f16 K/V widened per element.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/attention/attention.h"
#include "kernels/attention/attention_pack.h"

namespace attnscan {
namespace {

// Row (b, i, h) over keys [j0, j1): m = max score, l = sum exp(s - m), acc = sum exp(s - m) v.
void ref_row(const AttentionArgs& a, int64_t b, int64_t i, int64_t h, int64_t j0, int64_t j1, float* scores,
             float* m_out, float* l_out, float* acc) {
  const int64_t D = a.head_dim, g = h / (a.heads / a.kv_heads);
  const float* qr = a.q + ((b * a.seq_q + i) * a.heads + h) * D;
  const float* br = attn_bias_row(a, b, i, h);
  const int64_t end = std::min(j1, attn_key_end(a, i));
  float m = -INFINITY;
  for (int64_t j = j0; j < end; ++j) {
    if (a.key_mask && !a.key_mask[b * a.seq_k + j]) {
      scores[j - j0] = -INFINITY;
      continue;
    }
    const int64_t kr = attn_kv_offset(a, b, j, g);
    float dot = 0.0f;
    for (int64_t d = 0; d < D; ++d) dot += qr[d] * attn_kv_at(a.k, a.kv_dtype, kr + d);
    const float s = a.scale * dot + (br ? br[j] : 0.0f);
    scores[j - j0] = s;
    if (s > m) m = s;
  }
  float l = 0.0f;
  for (int64_t d = 0; d < D; ++d) acc[d] = 0.0f;
  if (m != -INFINITY) {
    for (int64_t j = j0; j < end; ++j) {
      if (scores[j - j0] == -INFINITY) continue;
      const float w = std::exp(scores[j - j0] - m);
      l += w;
      const int64_t vr = attn_kv_offset(a, b, j, g);
      for (int64_t d = 0; d < D; ++d) acc[d] += w * attn_kv_at(a.v, a.kv_dtype, vr + d);
    }
  }
  *m_out = m;
  *l_out = l;
}

}  // namespace

void attention_tile_f32_ref(const AttentionArgs& a, const AttentionTile& t, float* scratch) {
  const AttentionTileLayout L = attention_tile_layout(a);
  for (int64_t tile = t.first_tile; tile < L.n_tiles; tile += t.tile_stride) {
    const int64_t qi0 = tile * L.q_tile, nq = std::min(L.q_tile, a.seq_q - qi0);
    for (int64_t r = 0; r < nq * L.group; ++r) {
      float* o = scratch + L.o + r * L.d_pad;
      ref_row(a, t.b, qi0 + r / L.group, t.g * L.group + r % L.group, 0, a.seq_k, scratch + L.ref_scores,
              scratch + L.m + r, scratch + L.l + r, o);
    }
    attn_finish_tile(a, L, t.b, t.g, qi0, nq, scratch);
  }
}

void attention_decode_f32_ref(const AttentionArgs& a, const AttentionSplit& t, float* scratch) {
  const AttentionDecodeLayout L = attention_decode_layout(a);
  for (int64_t h = 0; h < a.heads; ++h) {
    ref_row(a, t.b, 0, h, t.j0, t.j1, scratch + L.ref_scores, scratch + L.m + h, scratch + L.l + h,
            scratch + L.acc + h * L.d_pad);
  }
  attn_decode_write(a, L, t, scratch);
}

}  // namespace attnscan
