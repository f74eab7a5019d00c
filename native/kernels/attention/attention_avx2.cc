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

  static void f16_row(const uint16_t* src, int64_t n, float* dst) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load_f16(src + i));
    for (; i < n; ++i) dst[i] = f16_to_f32(src[i]);
  }

  // Decode, one key: s[h * ss] = q[h * Dp] · kr for the NH query heads that share kv head row kr.
  // NV > 0: D is NV full vectors.
  template <int NH, int NV, class T>
  static void key_dots(const T* kr, int64_t D, const float* q, int64_t Dp, float* s, int64_t ss) {
    __m256 c[NH];
    for (int h = 0; h < NH; ++h) c[h] = _mm256_setzero_ps();
    const int64_t end = NV ? NV * 8 : D;
#pragma GCC unroll 16
    for (int64_t d = 0; d < end; d += 8) {
      const __m256 kv = NV || d + 8 <= D ? load_full(kr + d) : load_n(kr + d, D - d);
      for (int h = 0; h < NH; ++h) c[h] = _mm256_fmadd_ps(_mm256_loadu_ps(q + h * Dp + d), kv, c[h]);
    }
    for (int h = 0; h < NH; ++h) s[h * ss] = hsum(c[h]);
  }

  // Decode, one key: acc[h * Dp + d] += p[h * ps] * vr[d] for the NH query heads that share kv
  // head row vr.
  template <int NH, int NV, class T>
  static void key_axpys(const T* vr, int64_t D, const float* p, int64_t ps, float* acc, int64_t Dp) {
    __m256 pb[NH];
    for (int h = 0; h < NH; ++h) pb[h] = _mm256_broadcast_ss(p + h * ps);
    const int64_t end = NV ? NV * 8 : D;
#pragma GCC unroll 16
    for (int64_t d = 0; d < end; d += 8) {
      const __m256 vv = NV || d + 8 <= D ? load_full(vr + d) : load_n(vr + d, D - d);
      for (int h = 0; h < NH; ++h) {
        float* ad = acc + h * Dp + d;
        _mm256_storeu_ps(ad, _mm256_fmadd_ps(pb[h], vv, _mm256_loadu_ps(ad)));
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
