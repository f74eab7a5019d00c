// AVX2+FMA attention: the AVX-512 design with 8-lane vectors and 16 ymm registers. Prefill blocks
// are 6 rows x 16 keys (QK^T) and 6 rows x 16 dims (PV): 12 accumulators, each load feeding 6 FMAs.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/simd_avx2.h"
#include "kernels/attention/attention.h"
#include "kernels/attention/attention_pack.h"

namespace attnscan {
namespace {
using namespace avx2;

inline __m256i lanes(int64_t n) { return tail_mask(int(std::clamp<int64_t>(n, 0, 8))); }

// s[6][64] = qp[6][D] · kt[D][64], 16 keys at a time.
inline void qk_block(const float* qp, int64_t D, const float* kt, float* s) {
  for (int kc = 0; kc < 64; kc += 16) {
    __m256 c[6][2];
#pragma GCC unroll 6
    for (int r = 0; r < 6; ++r) c[r][0] = c[r][1] = _mm256_setzero_ps();
    for (int64_t d = 0; d < D; ++d) {
      const float* kr = kt + d * kAttnKeyTile + kc;
      const __m256 k0 = _mm256_loadu_ps(kr), k1 = _mm256_loadu_ps(kr + 8);
#pragma GCC unroll 6
      for (int r = 0; r < 6; ++r) {
        const __m256 qb = _mm256_broadcast_ss(qp + r * D + d);
        c[r][0] = _mm256_fmadd_ps(qb, k0, c[r][0]);
        c[r][1] = _mm256_fmadd_ps(qb, k1, c[r][1]);
      }
    }
#pragma GCC unroll 6
    for (int r = 0; r < 6; ++r) {
      _mm256_storeu_ps(s + r * kAttnKeyTile + kc, c[r][0]);
      _mm256_storeu_ps(s + r * kAttnKeyTile + kc + 8, c[r][1]);
    }
  }
}

// o[6][d_pad] = alpha * o + p[6][nk] · vp[nk][d_pad], 16 dims at a time (d_pad is a multiple of 16).
inline void pv_rows(const float* p, const float* vp, int64_t d_pad, int64_t nk, const float* alpha, float* o) {
  for (int64_t dc = 0; dc < d_pad; dc += 16) {
    __m256 c[6][2];
#pragma GCC unroll 6
    for (int r = 0; r < 6; ++r) {
      const __m256 ar = _mm256_set1_ps(alpha[r]);
      c[r][0] = _mm256_mul_ps(_mm256_loadu_ps(o + r * d_pad + dc), ar);
      c[r][1] = _mm256_mul_ps(_mm256_loadu_ps(o + r * d_pad + dc + 8), ar);
    }
    for (int64_t j = 0; j < nk; ++j) {
      const __m256 v0 = _mm256_loadu_ps(vp + j * d_pad + dc), v1 = _mm256_loadu_ps(vp + j * d_pad + dc + 8);
#pragma GCC unroll 6
      for (int r = 0; r < 6; ++r) {
        const __m256 pb = _mm256_broadcast_ss(p + r * kAttnKeyTile + j);
        c[r][0] = _mm256_fmadd_ps(pb, v0, c[r][0]);
        c[r][1] = _mm256_fmadd_ps(pb, v1, c[r][1]);
      }
    }
#pragma GCC unroll 6
    for (int r = 0; r < 6; ++r) {
      _mm256_storeu_ps(o + r * d_pad + dc, c[r][0]);
      _mm256_storeu_ps(o + r * d_pad + dc + 8, c[r][1]);
    }
  }
}

// Online softmax step for one row over up to 64 scores (nvec vectors of 8); see the AVX-512 file.
inline void softmax_step(float* s, int nvec, const float* maskadd, const float* bias, int64_t nbias, int64_t cut,
                         float* m, float* l, float* alpha) {
  const __m256 ninf = _mm256_set1_ps(-INFINITY);
  __m256 x[8];
  __m256 mx = ninf;
  for (int v = 0; v < nvec; ++v) {
    x[v] = _mm256_add_ps(_mm256_loadu_ps(s + v * 8), _mm256_loadu_ps(maskadd + v * 8));
    if (bias) x[v] = _mm256_add_ps(x[v], _mm256_maskload_ps(bias + v * 8, lanes(nbias - v * 8)));
    x[v] = _mm256_blendv_ps(ninf, x[v], _mm256_castsi256_ps(lanes(cut - v * 8)));
    mx = _mm256_max_ps(mx, x[v]);
  }
  const float m_new = std::max(*m, hmax(mx));
  if (m_new == -INFINITY) {
    for (int v = 0; v < nvec; ++v) _mm256_storeu_ps(s + v * 8, _mm256_setzero_ps());
    *alpha = 1.0f;
    return;
  }
  const __m256 mb = _mm256_set1_ps(m_new);
  __m256 sum = _mm256_setzero_ps();
  for (int v = 0; v < nvec; ++v) {
    const __m256 e = avx2::exp(_mm256_sub_ps(x[v], mb));
    _mm256_storeu_ps(s + v * 8, e);
    sum = _mm256_add_ps(sum, e);
  }
  // The vector exp avoids a libm call that would spill every live vector register.
  *alpha = *m == m_new ? 1.0f : _mm256_cvtss_f32(avx2::exp(_mm256_set1_ps(*m - m_new)));
  *l = *l * *alpha + hsum(sum);
  *m = m_new;
}

// The K/V rows of one kv head are kv_heads * head_dim floats apart (4 KB for 8 x 128), so each
// key starts a new page and the hardware prefetcher, which stops at page boundaries, cannot help:
// fetch the row kAhead keys ahead explicitly.
constexpr int64_t kAhead = 6;
inline void prefetch_row(const float* row, int64_t n) {
  for (int64_t c = 0; c < n; c += 16) _mm_prefetch(reinterpret_cast<const char*>(row + c), _MM_HINT_T0);
}

template <int NH>
void decode_scores(const AttentionArgs& a, const AttentionDecodeLayout& L, int64_t b, int64_t g, int64_t h0,
                   int64_t j, int64_t n, const float* qs, float* s) {
  const int64_t D = a.head_dim, nvec = (D + 7) / 8, stride = a.kv_heads * D;
  const __m256i tail = lanes(D - (nvec - 1) * 8);
  const float* kr = a.k + (b * a.seq_k + j) * stride + g * D;
  for (int64_t x = 0; x < n; ++x, kr += stride) {
    if (x + kAhead < n) prefetch_row(kr + kAhead * stride, D);
    __m256 c[NH];
    for (int h = 0; h < NH; ++h) c[h] = _mm256_setzero_ps();
    for (int64_t cv = 0; cv < nvec; ++cv) {
      const __m256 kv = cv == nvec - 1 ? _mm256_maskload_ps(kr + cv * 8, tail) : _mm256_loadu_ps(kr + cv * 8);
      for (int h = 0; h < NH; ++h) c[h] = _mm256_fmadd_ps(_mm256_loadu_ps(qs + (h0 + h) * L.d_pad + cv * 8), kv, c[h]);
    }
    for (int h = 0; h < NH; ++h) s[(h0 + h) * kAttnDecodeBlock + x] = hsum(c[h]);
  }
}

template <int NH>
void decode_values(const AttentionArgs& a, const AttentionDecodeLayout& L, int64_t b, int64_t g, int64_t h0,
                   int64_t j, int64_t n, const float* p, float* acc) {
  const int64_t D = a.head_dim, Dp = L.d_pad, stride = a.kv_heads * D;
  for (int64_t dc = 0; dc < Dp; dc += 16) {
    const __m256i ld0 = lanes(D - dc), ld1 = lanes(D - dc - 8);
    __m256 c[NH][2];
    for (int h = 0; h < NH; ++h) {
      c[h][0] = _mm256_loadu_ps(acc + (h0 + h) * Dp + dc);
      c[h][1] = _mm256_loadu_ps(acc + (h0 + h) * Dp + dc + 8);
    }
    const float* vr = a.v + (b * a.seq_k + j) * stride + g * D + dc;
    for (int64_t x = 0; x < n; ++x, vr += stride) {
      if (x + kAhead < n) prefetch_row(vr + kAhead * stride, std::min<int64_t>(64, D - dc));
      const __m256 v0 = _mm256_maskload_ps(vr, ld0), v1 = _mm256_maskload_ps(vr + 8, ld1);
      for (int h = 0; h < NH; ++h) {
        const __m256 pb = _mm256_broadcast_ss(p + (h0 + h) * kAttnDecodeBlock + x);
        c[h][0] = _mm256_fmadd_ps(pb, v0, c[h][0]);
        c[h][1] = _mm256_fmadd_ps(pb, v1, c[h][1]);
      }
    }
    for (int h = 0; h < NH; ++h) {
      _mm256_storeu_ps(acc + (h0 + h) * Dp + dc, c[h][0]);
      _mm256_storeu_ps(acc + (h0 + h) * Dp + dc + 8, c[h][1]);
    }
  }
}

}  // namespace

void attention_tile_f32_avx2(const AttentionArgs& a, const AttentionTile& t, float* scratch) {
  const AttentionTileLayout L = attention_tile_layout(a);
  const int64_t G = L.group, D = a.head_dim, Dp = L.d_pad;
  const int64_t last_tile = t.first_tile + (L.n_tiles - 1 - t.first_tile) / t.tile_stride * t.tile_stride;
  const int64_t kend = attn_key_end(a, std::min(a.seq_q, (last_tile + 1) * L.q_tile) - 1);
  attn_pack_kv(a, L, t.b, t.g, kend, scratch);
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
      const int nvec = int((nk + 7) / 8);
      for (int64_t rb = 0; rb < rows_pad; rb += kAttnRowBlock) qk_block(qp + rb * D, D, kt + j0 * D, s + rb * kAttnKeyTile);
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t qi = qi0 + r / G;
        const float* br = attn_bias_row(a, t.b, qi, t.g * G + r % G);
        softmax_step(s + r * kAttnKeyTile, nvec, madd + j0, br ? br + j0 : nullptr, a.seq_k - j0,
                     attn_key_end(a, qi) - j0, m + r, l + r, alpha + r);
        std::memset(s + r * kAttnKeyTile + nvec * 8, 0, size_t(kAttnKeyTile - nvec * 8) * sizeof(float));
      }
      std::memset(s + rows * kAttnKeyTile, 0, size_t((rows_pad - rows) * kAttnKeyTile) * sizeof(float));
      for (int64_t rb = 0; rb < rows_pad; rb += kAttnRowBlock)
        pv_rows(s + rb * kAttnKeyTile, vp + j0 * Dp, Dp, nk, alpha + rb, o + rb * Dp);
    }
    attn_finish_tile(a, L, t.b, t.g, qi0, nq, scratch);
  }
}

void attention_decode_f32_avx2(const AttentionArgs& a, const AttentionSplit& t, float* scratch) {
  const AttentionDecodeLayout L = attention_decode_layout(a);
  const int64_t G = L.group, Dp = L.d_pad;
  attn_pack_decode_q(a, L, t.b, t.g, scratch);
  const float* qs = scratch + L.qs;
  float *s = scratch + L.s, *madd = scratch + L.madd, *acc = scratch + L.acc, *m = scratch + L.m, *l = scratch + L.l;
  std::memset(acc, 0, size_t(G * Dp) * sizeof(float));
  for (int64_t h = 0; h < G; ++h) {
    m[h] = -INFINITY;
    l[h] = 0.0f;
  }
  const int64_t j1 = std::min(t.j1, attn_key_end(a, 0));
  for (int64_t j = t.j0; j < j1; j += kAttnDecodeBlock) {
    const int64_t n = std::min(kAttnDecodeBlock, j1 - j);
    attn_decode_maskadd(a, t.b, j, n, madd);
    for (int64_t h0 = 0; h0 < G; h0 += 4) {
      switch (std::min<int64_t>(4, G - h0)) {
        case 4: decode_scores<4>(a, L, t.b, t.g, h0, j, n, qs, s); break;
        case 3: decode_scores<3>(a, L, t.b, t.g, h0, j, n, qs, s); break;
        case 2: decode_scores<2>(a, L, t.b, t.g, h0, j, n, qs, s); break;
        default: decode_scores<1>(a, L, t.b, t.g, h0, j, n, qs, s); break;
      }
    }
    for (int64_t h = 0; h < G; ++h) {
      float* row = s + h * kAttnDecodeBlock;
      const float* br = attn_bias_row(a, t.b, 0, t.g * G + h);
      float al = 1.0f;
      for (int64_t x = 0; x < n; x += 64) {
        const int64_t nx = std::min<int64_t>(64, n - x);
        softmax_step(row + x, int((nx + 7) / 8), madd + x, br ? br + j + x : nullptr, nx, nx, m + h, l + h, &al);
        if (al != 1.0f) {
          // Earlier 64-key pieces of this block and the accumulator both carry the old max.
          for (int64_t y = 0; y < x; ++y) row[y] *= al;
          for (int64_t d = 0; d < Dp; ++d) acc[h * Dp + d] *= al;
        }
      }
    }
    for (int64_t h0 = 0; h0 < G; h0 += 4) {
      switch (std::min<int64_t>(4, G - h0)) {
        case 4: decode_values<4>(a, L, t.b, t.g, h0, j, n, s, acc); break;
        case 3: decode_values<3>(a, L, t.b, t.g, h0, j, n, s, acc); break;
        case 2: decode_values<2>(a, L, t.b, t.g, h0, j, n, s, acc); break;
        default: decode_values<1>(a, L, t.b, t.g, h0, j, n, s, acc); break;
      }
    }
  }
  attn_decode_write(a, L, t, scratch);
}

}  // namespace attnscan
