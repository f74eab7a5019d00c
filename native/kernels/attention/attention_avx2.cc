// AVX2+FMA attention: the AVX-512 design with 8-lane vectors and 16 ymm registers. Prefill blocks
// are 6 rows x 16 keys (QK^T) and 6 rows x 16 dims (PV): 12 accumulators, each load feeding 6 FMAs.
// f16 K/V are widened with F16C vcvtph2ps (exact), as the AVX-512 file does.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/simd_avx2.h"
#include "kernels/attention/attention.h"
#include "kernels/attention/attention_driver.h"
#include "kernels/attention/attention_pack.h"

namespace attnscan {
namespace {
using namespace avx2;

inline __m256i lanes(int64_t n) { return tail_mask(int(std::clamp<int64_t>(n, 0, 8))); }

// The first n (clamped to 0..8) elements at p as f32, zeros after; never reads past p + n.
inline __m256 load_n(const float* p, int64_t n) { return _mm256_maskload_ps(p, lanes(n)); }
inline __m256 load_n(const uint16_t* p, int64_t n) {
  if (n >= 8) return load_f16(p);
  alignas(16) uint16_t tmp[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int64_t i = 0; i < n; ++i) tmp[i] = p[i];
  return load_f16(tmp);
}
inline __m256 load_full(const float* p) { return _mm256_loadu_ps(p); }
inline __m256 load_full(const uint16_t* p) { return load_f16(p); }

// The ISA half of the drivers in attention_driver.h: register-blocked products, the online
// softmax step and the decode dot products.
struct Ops {
  static constexpr int kLanes = 8;

  // s[6][64] = qp[6][D] · kt[D][64], 16 keys at a time.
  static void qk_block(const float* qp, int64_t D, const float* kt, float* s) {
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
  static void pv_rows(const float* p, const float* vp, int64_t d_pad, int64_t nk, const float* alpha, float* o) {
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
  static void softmax_step(float* s, int nvec, const float* maskadd, const float* bias, int64_t nbias, int64_t cut,
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
  static constexpr int64_t kAhead = 6;
  template <class T>
  static void prefetch_row(const T* row, int64_t n) {
    const char* p = reinterpret_cast<const char*>(row);
    for (int64_t c = 0; c < n * int64_t(sizeof(T)); c += 64) _mm_prefetch(p + c, _MM_HINT_T0);
  }

  static void f16_row(const uint16_t* src, int64_t n, float* dst) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load_f16(src + i));
    for (; i < n; ++i) dst[i] = f16_to_f32(src[i]);
  }

  template <int NH, class T>
  static void decode_scores(const AttentionArgs& a, const AttentionDecodeLayout& L, int64_t b, int64_t g, int64_t h0,
                     int64_t j, int64_t n, const float* qs, float* s) {
    const int64_t D = a.head_dim, nvec = (D + 7) / 8, stride = a.kv_heads * D;
    const int64_t tail = D - (nvec - 1) * 8;
    const T* kr = static_cast<const T*>(a.k) + attn_kv_offset(a, b, j, g);
    const bool lead = attn_decode_leads(a, g, h0);
    for (int64_t x = 0; x < n; ++x, kr += stride) {
      if (x + kAhead < n) prefetch_row(kr + kAhead * stride, D);
      if (lead && x + kAttnLeadAhead < n) attn_prefetch_key_rows(a, b, j + x + kAttnLeadAhead);
      __m256 c[NH];
      for (int h = 0; h < NH; ++h) c[h] = _mm256_setzero_ps();
      for (int64_t cv = 0; cv < nvec; ++cv) {
        const __m256 kv = cv == nvec - 1 ? load_n(kr + cv * 8, tail) : load_full(kr + cv * 8);
        for (int h = 0; h < NH; ++h)
          c[h] = _mm256_fmadd_ps(_mm256_loadu_ps(qs + (h0 + h) * L.d_pad + cv * 8), kv, c[h]);
      }
      for (int h = 0; h < NH; ++h) s[(h0 + h) * kAttnDecodeBlock + x] = hsum(c[h]);
    }
  }

  template <int NH, class T>
  static void decode_values(const AttentionArgs& a, const AttentionDecodeLayout& L, int64_t b, int64_t g, int64_t h0,
                     int64_t j, int64_t n, const float* p, float* acc) {
    const int64_t D = a.head_dim, Dp = L.d_pad, stride = a.kv_heads * D;
    for (int64_t dc = 0; dc < Dp; dc += 16) {
      const int64_t ld0 = D - dc, ld1 = D - dc - 8;
      __m256 c[NH][2];
      for (int h = 0; h < NH; ++h) {
        c[h][0] = _mm256_loadu_ps(acc + (h0 + h) * Dp + dc);
        c[h][1] = _mm256_loadu_ps(acc + (h0 + h) * Dp + dc + 8);
      }
      const T* vr = static_cast<const T*>(a.v) + attn_kv_offset(a, b, j, g) + dc;
      for (int64_t x = 0; x < n; ++x, vr += stride) {
        if (x + kAhead < n) prefetch_row(vr + kAhead * stride, std::min<int64_t>(64, D - dc));
        const __m256 v0 = load_n(vr, ld0), v1 = load_n(vr + 8, ld1);
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
};

}  // namespace

void attention_tile_f32_avx2(const AttentionArgs& a, const AttentionTile& t, float* scratch) {
  attention_tile_driver<Ops>(a, t, scratch);
}

void attention_decode_f32_avx2(const AttentionArgs& a, const AttentionSplit& t, float* scratch) {
  attention_decode_driver<Ops>(a, t, scratch);
}

}  // namespace attnscan
