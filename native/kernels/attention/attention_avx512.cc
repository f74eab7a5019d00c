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
  static __m512 load(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
  static __m512 load(const uint16_t* p, __mmask16 m) { return maskz_load_f16(m, p); }

  static void f16_row(const uint16_t* src, int64_t n, float* dst) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, load_f16(src + i));
    if (i < n) _mm512_mask_storeu_ps(dst + i, lanes(n - i), maskz_load_f16(lanes(n - i), src + i));
  }

  // Decode, one key: s[h * ss] = q[h * Dp] · kr for the NH query heads that share kv head row kr
  // (q zero-padded to Dp, so only kr's last vector is masked). NV > 0: D is NV full vectors.
  template <int NH, int NV, class T>
  static void key_dots(const T* kr, int64_t D, const float* q, int64_t Dp, float* s, int64_t ss) {
    __m512 c[NH];
    for (int h = 0; h < NH; ++h) c[h] = _mm512_setzero_ps();
    const int64_t end = NV ? NV * 16 : D;
#pragma GCC unroll 8
    for (int64_t d = 0; d < end; d += 16) {
      const __m512 kv = load(kr + d, NV ? __mmask16(0xffff) : lanes(D - d));
      for (int h = 0; h < NH; ++h) c[h] = _mm512_fmadd_ps(_mm512_loadu_ps(q + h * Dp + d), kv, c[h]);
    }
    for (int h = 0; h < NH; ++h) s[h * ss] = hsum(c[h]);
  }

  // Decode, one key: acc[h * Dp + d] += p[h * ps] * vr[d] for the NH query heads that share kv
  // head row vr.
  template <int NH, int NV, class T>
  static void key_axpys(const T* vr, int64_t D, const float* p, int64_t ps, float* acc, int64_t Dp) {
    __m512 pb[NH];
    for (int h = 0; h < NH; ++h) pb[h] = _mm512_set1_ps(p[h * ps]);
    const int64_t end = NV ? NV * 16 : D;
#pragma GCC unroll 8
    for (int64_t d = 0; d < end; d += 16) {
      const __m512 vv = load(vr + d, NV ? __mmask16(0xffff) : lanes(D - d));
      for (int h = 0; h < NH; ++h) {
        float* ad = acc + h * Dp + d;
        _mm512_storeu_ps(ad, _mm512_fmadd_ps(pb[h], vv, _mm512_loadu_ps(ad)));
      }
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
