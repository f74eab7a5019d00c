#include "common/simd_avx512.h"
#include "kernels/scan/scan.h"

namespace attnscan {
namespace {
using namespace avx512;

constexpr int kW = 16;          // lanes
constexpr int kNv = 2;          // vectors per sub-block: two independent exp chains
constexpr int kS = kW * kNv;    // channels per sub-block (== kScanBlock)

// log(x) for finite x >= 1 (Cephes logf, as in scan_avx2.cc).
inline __m512 log_ge1(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512i xi = _mm512_castps_si512(x);
  __m512 e = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_srli_epi32(xi, 23), _mm512_set1_epi32(126)));
  __m512 m = _mm512_castsi512_ps(
      _mm512_or_si512(_mm512_and_si512(xi, _mm512_set1_epi32(0x007fffff)), _mm512_set1_epi32(0x3f000000)));
  const __mmask16 small = _mm512_cmp_ps_mask(m, _mm512_set1_ps(0.707106781186547524f), _CMP_LT_OQ);
  e = _mm512_mask_sub_ps(e, small, e, one);
  m = _mm512_mask_add_ps(_mm512_sub_ps(m, one), small, _mm512_sub_ps(m, one), m);
  const __m512 z = _mm512_mul_ps(m, m);
  __m512 y = _mm512_set1_ps(7.0376836292E-2f);
  y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(-1.1514610310E-1f));
  y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(1.1676998740E-1f));
  y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(-1.2420140846E-1f));
  y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(1.4249322787E-1f));
  y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(-1.6668057665E-1f));
  y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(2.0000714765E-1f));
  y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(-2.4999993993E-1f));
  y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(3.3333331174E-1f));
  y = _mm512_mul_ps(_mm512_mul_ps(y, m), z);
  y = _mm512_fmadd_ps(e, _mm512_set1_ps(-2.12194440e-4f), y);
  y = _mm512_fnmadd_ps(_mm512_set1_ps(0.5f), z, y);
  return _mm512_fmadd_ps(e, _mm512_set1_ps(0.693359375f), _mm512_add_ps(m, y));
}

// torch softplus (threshold 20) with Goldberg's log1p correction; NaN stays NaN (scan_avx2.cc).
inline __m512 softplus(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 e = avx512::exp(x);
  const __m512 u = _mm512_add_ps(one, e);
  const __m512 um1 = _mm512_sub_ps(u, one);
  __m512 l = _mm512_mul_ps(log_ge1(u), _mm512_div_ps(e, um1));
  l = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(um1, _mm512_setzero_ps(), _CMP_EQ_OQ), l, e);
  l = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(20.0f), _CMP_GT_OQ), l, x);
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), l, x);
}

inline __m512 silu(__m512 x) {
  return _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), avx512::exp(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

// 2^x for the discretisation exp(dt * A) = 2^(dt * A log2 e), the scan's hot spot (A is staged
// pre-multiplied by log2 e). Degree-6 Taylor polynomial of 2^f on [-1/2, 1/2] (relative error
// < 2e-7) and vscalefps for 2^n, which also flushes to 0 and overflows to inf by itself; the
// clamps only keep n finite, and keep NaN (second operand wins).
inline __m512 exp2_disc(__m512 x) {
  x = _mm512_max_ps(_mm512_set1_ps(-151.0f), _mm512_min_ps(_mm512_set1_ps(129.0f), x));
  const __m512 n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 f = _mm512_sub_ps(x, n);
  __m512 p = _mm512_set1_ps(1.5403270679109895e-4f);
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.3333558146428443e-3f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.6181291076284772e-3f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.5504108664821580e-2f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.4022650695910071e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.9314718055994531e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

constexpr float kLog2e = 1.44269504088896341f;

struct Lanes {
  __mmask16 mask[kNv];
  explicit Lanes(int64_t width) {
    for (int v = 0; v < kNv; ++v) {
      const int64_t left = width - int64_t(v) * kW;
      mask[v] = tail_mask(int(left < 0 ? 0 : left));
    }
  }
};

template <bool Tail>
inline __m512 load(const float* p, const Lanes& l, int v) {
  return Tail ? _mm512_maskz_loadu_ps(l.mask[v], p + v * kW) : _mm512_loadu_ps(p + v * kW);
}
template <bool Tail>
inline void store(float* p, __m512 x, const Lanes& l, int v) {
  if (Tail) _mm512_mask_storeu_ps(p + v * kW, l.mask[v], x);
  else _mm512_storeu_ps(p + v * kW, x);
}

// Channels [d0, d0 + width), width <= kS, of batch row b over the whole sequence. hT and aT are
// [d_state][kS]: the state and A transposed so channel lanes are contiguous.
template <bool Tail>
void prefill(const ScanArgs& a, int64_t b, int64_t d0, int64_t width, float* hT, float* aT) {
  const int64_t N = a.d_state, L = a.seq_len, dim = a.dim, G = a.groups;
  const int64_t g = d0 / (dim / G);
  const Lanes lanes(width);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t j = 0; j < kS; ++j) {
      const int64_t src = (b * dim + d0 + j) * N + n;
      hT[n * kS + j] = j < width && a.state ? a.state[src] : 0.0f;
      aT[n * kS + j] = j < width ? a.A[(d0 + j) * N + n] * kLog2e : 0.0f;
    }
  }
  __m512 bias[kNv], Dv[kNv];
  for (int v = 0; v < kNv; ++v) {
    bias[v] = a.delta_bias ? load<Tail>(a.delta_bias + d0, lanes, v) : _mm512_setzero_ps();
    Dv[v] = a.D ? load<Tail>(a.D + d0, lanes, v) : _mm512_setzero_ps();
  }
  for (int64_t t = 0; t < L; ++t) {
    const int64_t row = (b * L + t) * dim + d0;
    const float* Bt = a.B + ((b * L + t) * G + g) * N;
    const float* Ct = a.C + ((b * L + t) * G + g) * N;
    __m512 dt[kNv], dtu[kNv], uv[kNv], acc[kNv];
    for (int v = 0; v < kNv; ++v) {
      dt[v] = _mm512_add_ps(load<Tail>(a.delta + row, lanes, v), bias[v]);
      if (a.delta_softplus) dt[v] = softplus(dt[v]);
      uv[v] = load<Tail>(a.u + row, lanes, v);
      dtu[v] = _mm512_mul_ps(dt[v], uv[v]);
      acc[v] = _mm512_setzero_ps();
    }
    for (int64_t n = 0; n < N; ++n) {
      const __m512 bn = _mm512_set1_ps(Bt[n]), cn = _mm512_set1_ps(Ct[n]);
      float* hn = hT + n * kS;
      const float* an = aT + n * kS;
      for (int v = 0; v < kNv; ++v) {
        const __m512 dA = exp2_disc(_mm512_mul_ps(dt[v], _mm512_loadu_ps(an + v * kW)));
        const __m512 h = _mm512_fmadd_ps(dA, _mm512_loadu_ps(hn + v * kW), _mm512_mul_ps(dtu[v], bn));
        _mm512_storeu_ps(hn + v * kW, h);
        acc[v] = _mm512_fmadd_ps(cn, h, acc[v]);
      }
    }
    for (int v = 0; v < kNv; ++v) {
      __m512 out = _mm512_fmadd_ps(Dv[v], uv[v], acc[v]);
      if (a.z) out = _mm512_mul_ps(out, silu(load<Tail>(a.z + row, lanes, v)));
      store<Tail>(a.y + row, out, lanes, v);
    }
  }
  for (int64_t j = 0; j < width; ++j)
    for (int64_t n = 0; n < N; ++n) a.last_state[(b * dim + d0 + j) * N + n] = hT[n * kS + j];
}
}  // namespace

void scan_selective_f32_avx512(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch) {
  float* hT = scratch;
  float* aT = scratch + a.d_state * kS;
  for (int64_t s = d0; s < d1; s += kS) {
    const int64_t width = d1 - s < kS ? d1 - s : kS;
    if (width == kS) prefill<false>(a, b, s, width, hT, aT);
    else prefill<true>(a, b, s, width, hT, aT);
  }
}

// One token (see scan_avx2.cc): d_state 16 is exactly one vector per channel.
void scan_step_f32_avx512(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float*) {
  const int64_t N = a.d_state, dim = a.dim, G = a.groups;
  const int64_t g = d0 / (dim / G);
  const float* Bt = a.B + (b * G + g) * N;
  const float* Ct = a.C + (b * G + g) * N;
  alignas(64) float dtb[kScanBlock] = {}, yb[kScanBlock] = {};
  for (int64_t s = d0; s < d1; s += kW) {
    const __mmask16 m = tail_mask(int(d1 - s));
    __m512 dt = _mm512_maskz_loadu_ps(m, a.delta + b * dim + s);
    if (a.delta_bias) dt = _mm512_add_ps(dt, _mm512_maskz_loadu_ps(m, a.delta_bias + s));
    if (a.delta_softplus) dt = softplus(dt);
    _mm512_store_ps(dtb + (s - d0), dt);
  }
  const __mmask16 nm = tail_mask(int(N % kW));
  for (int64_t d = d0; d < d1; ++d) {
    const float dtv = dtb[d - d0];
    const __m512 dt2 = _mm512_set1_ps(dtv * kLog2e), dtu = _mm512_set1_ps(dtv * a.u[b * dim + d]);
    const float* h0 = a.state ? a.state + (b * dim + d) * N : nullptr;
    float* h1 = a.last_state + (b * dim + d) * N;
    const float* Ad = a.A + d * N;
    __m512 acc = _mm512_setzero_ps();
    int64_t n = 0;
    for (; n + kW <= N; n += kW) {
      const __m512 h = h0 ? _mm512_loadu_ps(h0 + n) : _mm512_setzero_ps();
      const __m512 dA = exp2_disc(_mm512_mul_ps(dt2, _mm512_loadu_ps(Ad + n)));
      const __m512 hn = _mm512_fmadd_ps(dA, h, _mm512_mul_ps(dtu, _mm512_loadu_ps(Bt + n)));
      _mm512_storeu_ps(h1 + n, hn);
      acc = _mm512_fmadd_ps(_mm512_loadu_ps(Ct + n), hn, acc);
    }
    if (n < N) {
      const __m512 h = h0 ? _mm512_maskz_loadu_ps(nm, h0 + n) : _mm512_setzero_ps();
      const __m512 dA = exp2_disc(_mm512_mul_ps(dt2, _mm512_maskz_loadu_ps(nm, Ad + n)));
      const __m512 hn = _mm512_fmadd_ps(dA, h, _mm512_mul_ps(dtu, _mm512_maskz_loadu_ps(nm, Bt + n)));
      _mm512_mask_storeu_ps(h1 + n, nm, hn);
      acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(nm, Ct + n), hn, acc);
    }
    yb[d - d0] = hsum(acc);
  }
  for (int64_t s = d0; s < d1; s += kW) {
    const __mmask16 m = tail_mask(int(d1 - s));
    const __m512 uv = _mm512_maskz_loadu_ps(m, a.u + b * dim + s);
    __m512 out = _mm512_load_ps(yb + (s - d0));
    if (a.D) out = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a.D + s), uv, out);
    if (a.z) out = _mm512_mul_ps(out, silu(_mm512_maskz_loadu_ps(m, a.z + b * dim + s)));
    _mm512_mask_storeu_ps(a.y + b * dim + s, m, out);
  }
}

}  // namespace attnscan
