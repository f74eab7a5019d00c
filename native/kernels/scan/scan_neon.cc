#include <cmath>

#include "common/simd_neon.h"
#include "kernels/scan/scan.h"

namespace attnscan {
namespace {
using namespace neon;

constexpr int kW = 4;           // lanes
constexpr int kNv = 4;          // vectors per sub-block: four independent exp chains
constexpr int kS = kW * kNv;    // channels per sub-block

// log(x) for finite x >= 1 (Cephes logf, as in scan_avx2.cc).
inline float32x4_t log_ge1(float32x4_t x) {
  const float32x4_t one = vdupq_n_f32(1.0f);
  const uint32x4_t xi = vreinterpretq_u32_f32(x);
  float32x4_t e = vcvtq_f32_s32(vsubq_s32(vreinterpretq_s32_u32(vshrq_n_u32(xi, 23)), vdupq_n_s32(126)));
  float32x4_t m = vreinterpretq_f32_u32(vorrq_u32(vandq_u32(xi, vdupq_n_u32(0x007fffff)), vdupq_n_u32(0x3f000000)));
  const uint32x4_t small = vcltq_f32(m, vdupq_n_f32(0.707106781186547524f));
  e = vsubq_f32(e, vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(one), small)));
  m = vaddq_f32(vsubq_f32(m, one), vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(m), small)));
  const float32x4_t z = vmulq_f32(m, m);
  float32x4_t y = vdupq_n_f32(7.0376836292E-2f);
  y = vfmaq_f32(vdupq_n_f32(-1.1514610310E-1f), y, m);
  y = vfmaq_f32(vdupq_n_f32(1.1676998740E-1f), y, m);
  y = vfmaq_f32(vdupq_n_f32(-1.2420140846E-1f), y, m);
  y = vfmaq_f32(vdupq_n_f32(1.4249322787E-1f), y, m);
  y = vfmaq_f32(vdupq_n_f32(-1.6668057665E-1f), y, m);
  y = vfmaq_f32(vdupq_n_f32(2.0000714765E-1f), y, m);
  y = vfmaq_f32(vdupq_n_f32(-2.4999993993E-1f), y, m);
  y = vfmaq_f32(vdupq_n_f32(3.3333331174E-1f), y, m);
  y = vmulq_f32(vmulq_f32(y, m), z);
  y = vfmaq_f32(y, e, vdupq_n_f32(-2.12194440e-4f));
  y = vfmsq_f32(y, z, vdupq_n_f32(0.5f));
  return vfmaq_f32(vaddq_f32(m, y), e, vdupq_n_f32(0.693359375f));
}

// torch softplus (threshold 20) with Goldberg's log1p correction; NaN stays NaN (scan_avx2.cc).
inline float32x4_t softplus(float32x4_t x) {
  const float32x4_t one = vdupq_n_f32(1.0f);
  const float32x4_t e = neon::exp(x);
  const float32x4_t u = vaddq_f32(one, e);
  const float32x4_t um1 = vsubq_f32(u, one);
  float32x4_t l = vmulq_f32(log_ge1(u), vdivq_f32(e, um1));
  l = vbslq_f32(vceqq_f32(um1, vdupq_n_f32(0.0f)), e, l);
  l = vbslq_f32(vcgtq_f32(x, vdupq_n_f32(20.0f)), x, l);
  return vbslq_f32(vmvnq_u32(vceqq_f32(x, x)), x, l);
}

inline float32x4_t silu(float32x4_t x) {
  return vdivq_f32(x, vaddq_f32(vdupq_n_f32(1.0f), neon::exp(vnegq_f32(x))));
}

// 2^x for the discretisation exp(dt * A) = 2^(dt * A log2 e) (scan_avx2.cc): A is staged
// pre-multiplied by log2 e; degree-6 Taylor polynomial of 2^f on [-1/2, 1/2] times 2^n built in
// the exponent bits. The clamps keep 2^n normal (~1e-38 instead of 0 below) and NaN is put back.
inline float32x4_t exp2_disc(float32x4_t x) {
  const uint32x4_t is_nan = vmvnq_u32(vceqq_f32(x, x));
  const float32x4_t xc = vmaxq_f32(vminq_f32(x, vdupq_n_f32(127.0f)), vdupq_n_f32(-126.0f));
  const float32x4_t n = vrndnq_f32(xc);
  const float32x4_t f = vsubq_f32(xc, n);
  float32x4_t p = vdupq_n_f32(1.5403270679109895e-4f);
  p = vfmaq_f32(vdupq_n_f32(1.3333558146428443e-3f), p, f);
  p = vfmaq_f32(vdupq_n_f32(9.6181291076284772e-3f), p, f);
  p = vfmaq_f32(vdupq_n_f32(5.5504108664821580e-2f), p, f);
  p = vfmaq_f32(vdupq_n_f32(2.4022650695910071e-1f), p, f);
  p = vfmaq_f32(vdupq_n_f32(6.9314718055994531e-1f), p, f);
  p = vfmaq_f32(vdupq_n_f32(1.0f), p, f);
  const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
  return vbslq_f32(is_nan, x, vmulq_f32(p, vreinterpretq_f32_s32(e)));
}

constexpr float kLog2e = 1.44269504088896341f;

// kS channels at d0 of batch row b over the whole sequence. hT and aT are [d_state][kS].
void prefill(const ScanArgs& a, int64_t b, int64_t d0, float* hT, float* aT) {
  const int64_t N = a.d_state, L = a.seq_len, dim = a.dim, G = a.groups;
  const int64_t g = d0 / (dim / G);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t j = 0; j < kS; ++j) {
      hT[n * kS + j] = a.state ? a.state[(b * dim + d0 + j) * N + n] : 0.0f;
      aT[n * kS + j] = a.A[(d0 + j) * N + n] * kLog2e;
    }
  }
  float32x4_t bias[kNv], Dv[kNv];
  for (int v = 0; v < kNv; ++v) {
    bias[v] = a.delta_bias ? vld1q_f32(a.delta_bias + d0 + v * kW) : vdupq_n_f32(0.0f);
    Dv[v] = a.D ? vld1q_f32(a.D + d0 + v * kW) : vdupq_n_f32(0.0f);
  }
  for (int64_t t = 0; t < L; ++t) {
    const int64_t row = (b * L + t) * dim + d0;
    const float* Bt = a.B + ((b * L + t) * G + g) * N;
    const float* Ct = a.C + ((b * L + t) * G + g) * N;
    float32x4_t dt[kNv], dtu[kNv], uv[kNv], acc[kNv];
    for (int v = 0; v < kNv; ++v) {
      dt[v] = vaddq_f32(vld1q_f32(a.delta + row + v * kW), bias[v]);
      if (a.delta_softplus) dt[v] = softplus(dt[v]);
      uv[v] = vld1q_f32(a.u + row + v * kW);
      dtu[v] = vmulq_f32(dt[v], uv[v]);
      acc[v] = vdupq_n_f32(0.0f);
    }
    for (int64_t n = 0; n < N; ++n) {
      const float bn = Bt[n], cn = Ct[n];
      float* hn = hT + n * kS;
      const float* an = aT + n * kS;
      for (int v = 0; v < kNv; ++v) {
        const float32x4_t dA = exp2_disc(vmulq_f32(dt[v], vld1q_f32(an + v * kW)));
        const float32x4_t h = vfmaq_f32(vmulq_n_f32(dtu[v], bn), dA, vld1q_f32(hn + v * kW));
        vst1q_f32(hn + v * kW, h);
        acc[v] = vfmaq_n_f32(acc[v], h, cn);
      }
    }
    for (int v = 0; v < kNv; ++v) {
      float32x4_t out = vfmaq_f32(acc[v], Dv[v], uv[v]);
      if (a.z) out = vmulq_f32(out, silu(vld1q_f32(a.z + row + v * kW)));
      vst1q_f32(a.y + row + v * kW, out);
    }
  }
  for (int64_t j = 0; j < kS; ++j)
    for (int64_t n = 0; n < N; ++n) a.last_state[(b * dim + d0 + j) * N + n] = hT[n * kS + j];
}
}  // namespace

// Whole kS-channel sub-blocks vectorised; a narrower remainder goes to the reference.
void scan_selective_f32_neon(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch) {
  float* hT = scratch;
  float* aT = scratch + a.d_state * kS;
  int64_t s = d0;
  for (; s + kS <= d1; s += kS) prefill(a, b, s, hT, aT);
  if (s < d1) scan_selective_f32_ref(a, b, s, d1, scratch);
}

// One token (see scan_avx2.cc). Channel inputs are staged into zero-padded kScanBlock buffers so
// the dt and gate passes run on whole vectors.
void scan_step_f32_neon(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float*) {
  const int64_t N = a.d_state, dim = a.dim, G = a.groups, w = d1 - d0;
  const int64_t g = d0 / (dim / G);
  const float* Bt = a.B + (b * G + g) * N;
  const float* Ct = a.C + (b * G + g) * N;
  float dtb[kScanBlock] = {}, yb[kScanBlock] = {}, zb[kScanBlock] = {};
  for (int64_t j = 0; j < w; ++j) {
    dtb[j] = a.delta[b * dim + d0 + j] + (a.delta_bias ? a.delta_bias[d0 + j] : 0.0f);
    if (a.z) zb[j] = a.z[b * dim + d0 + j];
  }
  if (a.delta_softplus)
    for (int64_t j = 0; j < w; j += kW) vst1q_f32(dtb + j, softplus(vld1q_f32(dtb + j)));
  for (int64_t d = d0; d < d1; ++d) {
    const float dtv = dtb[d - d0], dtu = dtv * a.u[b * dim + d];
    const float* h0 = a.state ? a.state + (b * dim + d) * N : nullptr;
    float* h1 = a.last_state + (b * dim + d) * N;
    const float* Ad = a.A + d * N;
    float32x4_t acc = vdupq_n_f32(0.0f);
    int64_t n = 0;
    for (; n + kW <= N; n += kW) {
      const float32x4_t h = h0 ? vld1q_f32(h0 + n) : vdupq_n_f32(0.0f);
      const float32x4_t dA = exp2_disc(vmulq_n_f32(vld1q_f32(Ad + n), dtv * kLog2e));
      const float32x4_t hn = vfmaq_f32(vmulq_n_f32(vld1q_f32(Bt + n), dtu), dA, h);
      vst1q_f32(h1 + n, hn);
      acc = vfmaq_f32(acc, vld1q_f32(Ct + n), hn);
    }
    float sum = hsum(acc);
    for (; n < N; ++n) {
      const float h = std::exp(dtv * Ad[n]) * (h0 ? h0[n] : 0.0f) + dtu * Bt[n];
      h1[n] = h;
      sum += Ct[n] * h;
    }
    yb[d - d0] = sum + (a.D ? a.D[d] * a.u[b * dim + d] : 0.0f);
  }
  if (a.z)
    for (int64_t j = 0; j < w; j += kW) vst1q_f32(yb + j, vmulq_f32(vld1q_f32(yb + j), silu(vld1q_f32(zb + j))));
  for (int64_t j = 0; j < w; ++j) a.y[b * dim + d0 + j] = yb[j];
}

}  // namespace attnscan
