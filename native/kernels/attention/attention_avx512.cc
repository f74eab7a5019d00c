// AVX-512 attention. Prefill: S = Q K^T and O += P V as 6-row register-blocked products over
// 64-key tiles (24 zmm accumulators; every K^T / V load feeds 6 FMAs), online softmax per row in
// between. Decode: per key a dot product over head_dim shared by the group's heads. f16 K/V are
// widened with vcvtph2ps (exact): in registers on the decode path, into the packed tiles in prefill.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/simd_avx512.h"
#include "kernels/attention/attention.h"
#include "kernels/attention/attention_driver.h"
#include "kernels/attention/attention_pack.h"

namespace attnscan {
namespace {
using namespace avx512;

inline __mmask16 lanes(int64_t n) { return n <= 0 ? __mmask16(0) : n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1); }

// The ISA half of the drivers in attention_driver.h: register-blocked products, the online
// softmax step and the decode dot products.
struct Ops {
  static constexpr int kLanes = 16;

  // s[6][64] = qp[6][D] · kt[D][64].
  static void qk_block(const float* qp, int64_t D, const float* kt, float* s) {
    __m512 c[6][4];
#pragma GCC unroll 6
    for (int r = 0; r < 6; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) c[r][v] = _mm512_setzero_ps();
    for (int64_t d = 0; d < D; ++d) {
      const float* kr = kt + d * kAttnKeyTile;
      const __m512 k0 = _mm512_loadu_ps(kr), k1 = _mm512_loadu_ps(kr + 16), k2 = _mm512_loadu_ps(kr + 32),
                   k3 = _mm512_loadu_ps(kr + 48);
#pragma GCC unroll 6
      for (int r = 0; r < 6; ++r) {
        const __m512 qb = _mm512_set1_ps(qp[r * D + d]);
        c[r][0] = _mm512_fmadd_ps(qb, k0, c[r][0]);
        c[r][1] = _mm512_fmadd_ps(qb, k1, c[r][1]);
        c[r][2] = _mm512_fmadd_ps(qb, k2, c[r][2]);
        c[r][3] = _mm512_fmadd_ps(qb, k3, c[r][3]);
      }
    }
#pragma GCC unroll 6
    for (int r = 0; r < 6; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) _mm512_storeu_ps(s + r * kAttnKeyTile + v * 16, c[r][v]);
  }

  // o[6][NV*16] = alpha * o + p[6][nk] · vp[nk][NV*16] (vp and o rows d_pad apart).
  template <int NV>
  static void pv_block(const float* p, const float* vp, int64_t d_pad, int64_t nk, const float* alpha, float* o) {
    __m512 c[6][NV];
#pragma GCC unroll 6
    for (int r = 0; r < 6; ++r) {
      const __m512 ar = _mm512_set1_ps(alpha[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) c[r][v] = _mm512_mul_ps(_mm512_loadu_ps(o + r * d_pad + v * 16), ar);
    }
    for (int64_t j = 0; j < nk; ++j) {
      __m512 vv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) vv[v] = _mm512_loadu_ps(vp + j * d_pad + v * 16);
#pragma GCC unroll 6
      for (int r = 0; r < 6; ++r) {
        const __m512 pb = _mm512_set1_ps(p[r * kAttnKeyTile + j]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) c[r][v] = _mm512_fmadd_ps(pb, vv[v], c[r][v]);
      }
    }
#pragma GCC unroll 6
    for (int r = 0; r < 6; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) _mm512_storeu_ps(o + r * d_pad + v * 16, c[r][v]);
  }

  static void pv_rows(const float* p, const float* vp, int64_t d_pad, int64_t nk, const float* alpha, float* o) {
    for (int64_t dc = 0; dc < d_pad; dc += 64) {
      switch (std::min<int64_t>(4, (d_pad - dc) / 16)) {
        case 4: pv_block<4>(p, vp + dc, d_pad, nk, alpha, o + dc); break;
        case 3: pv_block<3>(p, vp + dc, d_pad, nk, alpha, o + dc); break;
        case 2: pv_block<2>(p, vp + dc, d_pad, nk, alpha, o + dc); break;
        default: pv_block<1>(p, vp + dc, d_pad, nk, alpha, o + dc); break;
      }
    }
  }

  // Online softmax step for one row over n (<= 64, multiple of 16 in storage) scores in s:
  // masked entries become -inf, s is overwritten with p = exp(s - m_new), and m, l, alpha updated.
  // maskadd holds 0 / -inf per key; bias (may be null) has nbias valid entries; keys >= cut are
  // in the row's causal future.
  static void softmax_step(float* s, int nvec, const float* maskadd, const float* bias, int64_t nbias, int64_t cut,
                           float* m, float* l, float* alpha) {
    const __m512 ninf = _mm512_set1_ps(-INFINITY);
    __m512 x[4];
    __m512 mx = ninf;
    for (int v = 0; v < nvec; ++v) {
      x[v] = _mm512_add_ps(_mm512_loadu_ps(s + v * 16), _mm512_loadu_ps(maskadd + v * 16));
      if (bias) x[v] = _mm512_add_ps(x[v], _mm512_maskz_loadu_ps(lanes(nbias - v * 16), bias + v * 16));
      x[v] = _mm512_mask_mov_ps(ninf, lanes(cut - v * 16), x[v]);
      mx = _mm512_max_ps(mx, x[v]);
    }
    const float m_new = std::max(*m, hmax(mx));
    if (m_new == -INFINITY) {
      for (int v = 0; v < nvec; ++v) _mm512_storeu_ps(s + v * 16, _mm512_setzero_ps());
      *alpha = 1.0f;
      return;
    }
    const __m512 mb = _mm512_set1_ps(m_new);
    __m512 sum = _mm512_setzero_ps();
    for (int v = 0; v < nvec; ++v) {
      const __m512 e = avx512::exp(_mm512_sub_ps(x[v], mb));
      _mm512_storeu_ps(s + v * 16, e);
      sum = _mm512_add_ps(sum, e);
    }
    // The vector exp avoids a libm call that would spill every live vector register.
    *alpha = *m == m_new ? 1.0f : _mm512_cvtss_f32(avx512::exp(_mm512_set1_ps(*m - m_new)));
    *l = *l * *alpha + hsum(sum);
    *m = m_new;
  }

  // Decode scores: s[h][x] = qs[h] · k[j + x] for the NH heads from h0, x < n.
  // The K/V rows of one kv head are kv_heads * head_dim floats apart (4 KB for 8 x 128), so each
  // key starts a new page and the hardware prefetcher, which stops at page boundaries, cannot help:
  // fetch the row kAhead keys ahead explicitly.
  static constexpr int64_t kAhead = 6;
  template <class T>
  static void prefetch_row(const T* row, int64_t n) {
    const char* p = reinterpret_cast<const char*>(row);
    for (int64_t c = 0; c < n * int64_t(sizeof(T)); c += 64) _mm_prefetch(p + c, _MM_HINT_T0);
  }

  static __m512 load(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
  static __m512 load(const uint16_t* p, __mmask16 m) { return maskz_load_f16(m, p); }

  static void f16_row(const uint16_t* src, int64_t n, float* dst) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, load_f16(src + i));
    if (i < n) _mm512_mask_storeu_ps(dst + i, lanes(n - i), maskz_load_f16(lanes(n - i), src + i));
  }

  template <int NH, class T>
  static void decode_scores(const AttentionArgs& a, const AttentionDecodeLayout& L, int64_t b, int64_t g, int64_t h0,
                     int64_t j, int64_t n, const float* qs, float* s) {
    const int64_t D = a.head_dim, nvec = L.d_pad / 16, stride = a.kv_heads * D;
    const __mmask16 tail = lanes(D - (nvec - 1) * 16);
    const T* kr = static_cast<const T*>(a.k) + attn_kv_offset(a, b, j, g);
    const bool lead = attn_decode_leads(a, g, h0);
    for (int64_t x = 0; x < n; ++x, kr += stride) {
      if (x + kAhead < n) prefetch_row(kr + kAhead * stride, D);
      if (lead && x + kAttnLeadAhead < n) attn_prefetch_key_rows(a, b, j + x + kAttnLeadAhead);
      __m512 c[NH];
      for (int h = 0; h < NH; ++h) c[h] = _mm512_setzero_ps();
      for (int64_t cv = 0; cv < nvec; ++cv) {
        const __m512 kv = load(kr + cv * 16, cv == nvec - 1 ? tail : __mmask16(0xffff));
        for (int h = 0; h < NH; ++h)
          c[h] = _mm512_fmadd_ps(_mm512_loadu_ps(qs + (h0 + h) * L.d_pad + cv * 16), kv, c[h]);
      }
      for (int h = 0; h < NH; ++h) s[(h0 + h) * kAttnDecodeBlock + x] = hsum(c[h]);
    }
  }

  // Decode values: acc[h] += sum_x p[h][x] v[j + x] for the NH heads from h0, 64 dims at a time.
  template <int NH, class T>
  static void decode_values(const AttentionArgs& a, const AttentionDecodeLayout& L, int64_t b, int64_t g, int64_t h0,
                     int64_t j, int64_t n, const float* p, float* acc) {
    const int64_t D = a.head_dim, Dp = L.d_pad, stride = a.kv_heads * D;
    for (int64_t dc = 0; dc < Dp; dc += 64) {
      __mmask16 ld[4], st[4];
      for (int v = 0; v < 4; ++v) {
        ld[v] = lanes(D - dc - v * 16);
        st[v] = lanes(Dp - dc - v * 16);
      }
      __m512 c[NH][4];
      for (int h = 0; h < NH; ++h)
        for (int v = 0; v < 4; ++v) c[h][v] = _mm512_maskz_loadu_ps(st[v], acc + (h0 + h) * Dp + dc + v * 16);
      const T* vr = static_cast<const T*>(a.v) + attn_kv_offset(a, b, j, g) + dc;
      for (int64_t x = 0; x < n; ++x, vr += stride) {
        if (x + kAhead < n) prefetch_row(vr + kAhead * stride, std::min<int64_t>(64, D - dc));
        __m512 vv[4];
        for (int v = 0; v < 4; ++v) vv[v] = load(vr + v * 16, ld[v]);
        for (int h = 0; h < NH; ++h) {
          const __m512 pb = _mm512_set1_ps(p[(h0 + h) * kAttnDecodeBlock + x]);
          for (int v = 0; v < 4; ++v) c[h][v] = _mm512_fmadd_ps(pb, vv[v], c[h][v]);
        }
      }
      for (int h = 0; h < NH; ++h)
        for (int v = 0; v < 4; ++v) _mm512_mask_storeu_ps(acc + (h0 + h) * Dp + dc + v * 16, st[v], c[h][v]);
    }
  }
};

}  // namespace

void attention_tile_f32_avx512(const AttentionArgs& a, const AttentionTile& t, float* scratch) {
  attention_tile_driver<Ops>(a, t, scratch);
}

void attention_decode_f32_avx512(const AttentionArgs& a, const AttentionSplit& t, float* scratch) {
  attention_decode_driver<Ops>(a, t, scratch);
}

}  // namespace attnscan
