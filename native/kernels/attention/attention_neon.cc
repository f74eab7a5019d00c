// NEON attention: the AVX-512 design with 4-lane vectors and 32 q registers. Prefill blocks are
// 6 rows x 16 keys (QK^T) and 6 rows x 16 dims (PV): 24 accumulators, each load feeding 6 FMAs.
// f16 K/V are widened with vcvt_f32_f16 (exact), as the x86 files do.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/simd_neon.h"
#include "kernels/attention/attention.h"
#include "kernels/attention/attention_driver.h"
#include "kernels/attention/attention_pack.h"

namespace attnscan {
namespace {
using namespace neon;

// All-ones in the first n (clamped to 0..4) lanes.
inline uint32x4_t lanes(int64_t n) {
  const int32x4_t iota = {0, 1, 2, 3};
  return vcltq_s32(iota, vdupq_n_s32(int32_t(std::clamp<int64_t>(n, 0, 4))));
}

// The first n (clamped to 0..4) floats at p, zeros after; never reads past p + n.
inline float32x4_t load_partial(const float* p, int64_t n) {
  if (n >= 4) return vld1q_f32(p);
  float tmp[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int64_t i = 0; i < n; ++i) tmp[i] = p[i];
  return vld1q_f32(tmp);
}
inline float32x4_t load_partial(const uint16_t* p, int64_t n) {
  if (n >= 4) return load_f16(p);
  uint16_t tmp[4] = {0, 0, 0, 0};
  for (int64_t i = 0; i < n; ++i) tmp[i] = p[i];
  return load_f16(tmp);
}
inline float32x4_t load_full(const float* p) { return vld1q_f32(p); }
inline float32x4_t load_full(const uint16_t* p) { return load_f16(p); }

// The ISA half of the drivers in attention_driver.h: register-blocked products, the online
// softmax step and the decode dot products.
struct Ops {
  static constexpr int kLanes = 4;

  // s[6][64] = qp[6][D] · kt[D][64], 16 keys at a time.
  static void qk_block(const float* qp, int64_t D, const float* kt, float* s) {
    for (int kc = 0; kc < 64; kc += 16) {
      float32x4_t c[6][4];
#pragma GCC unroll 6
      for (int r = 0; r < 6; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < 4; ++v) c[r][v] = vdupq_n_f32(0.0f);
      for (int64_t d = 0; d < D; ++d) {
        const float* kr = kt + d * kAttnKeyTile + kc;
        const float32x4_t k0 = vld1q_f32(kr), k1 = vld1q_f32(kr + 4), k2 = vld1q_f32(kr + 8), k3 = vld1q_f32(kr + 12);
#pragma GCC unroll 6
        for (int r = 0; r < 6; ++r) {
          const float qv = qp[r * D + d];
          c[r][0] = vfmaq_n_f32(c[r][0], k0, qv);
          c[r][1] = vfmaq_n_f32(c[r][1], k1, qv);
          c[r][2] = vfmaq_n_f32(c[r][2], k2, qv);
          c[r][3] = vfmaq_n_f32(c[r][3], k3, qv);
        }
      }
#pragma GCC unroll 6
      for (int r = 0; r < 6; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < 4; ++v) vst1q_f32(s + r * kAttnKeyTile + kc + v * 4, c[r][v]);
    }
  }

  // o[6][d_pad] = alpha * o + p[6][nk] · vp[nk][d_pad], 16 dims at a time.
  static void pv_rows(const float* p, const float* vp, int64_t d_pad, int64_t nk, const float* alpha, float* o) {
    for (int64_t dc = 0; dc < d_pad; dc += 16) {
      float32x4_t c[6][4];
#pragma GCC unroll 6
      for (int r = 0; r < 6; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < 4; ++v) c[r][v] = vmulq_n_f32(vld1q_f32(o + r * d_pad + dc + v * 4), alpha[r]);
      for (int64_t j = 0; j < nk; ++j) {
        const float* vr = vp + j * d_pad + dc;
        const float32x4_t v0 = vld1q_f32(vr), v1 = vld1q_f32(vr + 4), v2 = vld1q_f32(vr + 8), v3 = vld1q_f32(vr + 12);
#pragma GCC unroll 6
        for (int r = 0; r < 6; ++r) {
          const float pv = p[r * kAttnKeyTile + j];
          c[r][0] = vfmaq_n_f32(c[r][0], v0, pv);
          c[r][1] = vfmaq_n_f32(c[r][1], v1, pv);
          c[r][2] = vfmaq_n_f32(c[r][2], v2, pv);
          c[r][3] = vfmaq_n_f32(c[r][3], v3, pv);
        }
      }
#pragma GCC unroll 6
      for (int r = 0; r < 6; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < 4; ++v) vst1q_f32(o + r * d_pad + dc + v * 4, c[r][v]);
    }
  }

  // Online softmax step for one row over up to 64 scores (nvec vectors of 4); see the AVX-512 file.
  static void softmax_step(float* s, int nvec, const float* maskadd, const float* bias, int64_t nbias, int64_t cut,
                           float* m, float* l, float* alpha) {
    const float32x4_t ninf = vdupq_n_f32(-INFINITY);
    float32x4_t x[16];
    float32x4_t mx = ninf;
    for (int v = 0; v < nvec; ++v) {
      x[v] = vaddq_f32(vld1q_f32(s + v * 4), vld1q_f32(maskadd + v * 4));
      if (bias) x[v] = vaddq_f32(x[v], load_partial(bias + v * 4, nbias - v * 4));
      x[v] = vbslq_f32(lanes(cut - v * 4), x[v], ninf);
      mx = vmaxq_f32(mx, x[v]);
    }
    const float m_new = std::max(*m, hmax(mx));
    if (m_new == -INFINITY) {
      for (int v = 0; v < nvec; ++v) vst1q_f32(s + v * 4, vdupq_n_f32(0.0f));
      *alpha = 1.0f;
      return;
    }
    const float32x4_t mb = vdupq_n_f32(m_new);
    float32x4_t sum = vdupq_n_f32(0.0f);
    for (int v = 0; v < nvec; ++v) {
      const float32x4_t e = neon::exp(vsubq_f32(x[v], mb));
      vst1q_f32(s + v * 4, e);
      sum = vaddq_f32(sum, e);
    }
    // The vector exp avoids a libm call that would spill every live vector register.
    *alpha = *m == m_new ? 1.0f : vgetq_lane_f32(neon::exp(vdupq_n_f32(*m - m_new)), 0);
    *l = *l * *alpha + hsum(sum);
    *m = m_new;
  }

  static void f16_row(const uint16_t* src, int64_t n, float* dst) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(dst + i, load_f16(src + i));
    for (; i < n; ++i) dst[i] = f16_to_f32(src[i]);
  }

  // Decode, one key: s[h * ss] = q[h * Dp] · kr for the NH query heads that share kv head row kr.
  // NV > 0: D is NV full vectors.
  template <int NH, int NV, class T>
  static void key_dots(const T* kr, int64_t D, const float* q, int64_t Dp, float* s, int64_t ss) {
    float32x4_t c[NH];
    for (int h = 0; h < NH; ++h) c[h] = vdupq_n_f32(0.0f);
    const int64_t end = NV ? NV * 4 : D;
#pragma GCC unroll 32
    for (int64_t d = 0; d < end; d += 4) {
      const float32x4_t kv = NV || d + 4 <= D ? load_full(kr + d) : load_partial(kr + d, D - d);
      for (int h = 0; h < NH; ++h) c[h] = vfmaq_f32(c[h], vld1q_f32(q + h * Dp + d), kv);
    }
    for (int h = 0; h < NH; ++h) s[h * ss] = hsum(c[h]);
  }

  // Decode, one key: acc[h * Dp + d] += p[h * ps] * vr[d] for the NH query heads that share kv
  // head row vr.
  template <int NH, int NV, class T>
  static void key_axpys(const T* vr, int64_t D, const float* p, int64_t ps, float* acc, int64_t Dp) {
    const int64_t end = NV ? NV * 4 : D;
#pragma GCC unroll 32
    for (int64_t d = 0; d < end; d += 4) {
      const float32x4_t vv = NV || d + 4 <= D ? load_full(vr + d) : load_partial(vr + d, D - d);
      for (int h = 0; h < NH; ++h) {
        float* ad = acc + h * Dp + d;
        vst1q_f32(ad, vfmaq_n_f32(vld1q_f32(ad), vv, p[h * ps]));
      }
    }
  }
};

}  // namespace

void attention_tile_f32_neon(const AttentionArgs& a, const AttentionTile& t, float* scratch) {
  attention_tile_driver<Ops>(a, t, scratch);
}

void attention_decode_f32_neon(const AttentionArgs& a, const AttentionSplit& t, float* scratch) {
  attention_decode_driver<Ops>(a, t, scratch);
}

}  // namespace attnscan
