#include "common/simd_avx2.h"
#include "kernels/scan/scan.h"

namespace attnscan {
namespace {
using namespace avx2;

constexpr int kW = 8;           // lanes
constexpr int kNv = 2;          // vectors per sub-block: two independent exp chains
constexpr int kS = kW * kNv;    // channels per sub-block

// log(x) for finite x >= 1 (Cephes logf: mantissa in [sqrt(1/2), sqrt 2), degree-8 polynomial).
inline __m256 log_ge1(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256i xi = _mm256_castps_si256(x);
  __m256 e = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(xi, 23), _mm256_set1_epi32(126)));
  __m256 m = _mm256_castsi256_ps(
      _mm256_or_si256(_mm256_and_si256(xi, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x3f000000)));
  const __m256 small = _mm256_cmp_ps(m, _mm256_set1_ps(0.707106781186547524f), _CMP_LT_OQ);
  e = _mm256_sub_ps(e, _mm256_and_ps(one, small));
  m = _mm256_add_ps(_mm256_sub_ps(m, one), _mm256_and_ps(m, small));
  const __m256 z = _mm256_mul_ps(m, m);
  __m256 y = _mm256_set1_ps(7.0376836292E-2f);
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(-1.1514610310E-1f));
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(1.1676998740E-1f));
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(-1.2420140846E-1f));
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(1.4249322787E-1f));
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(-1.6668057665E-1f));
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(2.0000714765E-1f));
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(-2.4999993993E-1f));
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(3.3333331174E-1f));
  y = _mm256_mul_ps(_mm256_mul_ps(y, m), z);
  y = _mm256_fmadd_ps(e, _mm256_set1_ps(-2.12194440e-4f), y);
  y = _mm256_fnmadd_ps(_mm256_set1_ps(0.5f), z, y);
  return _mm256_fmadd_ps(e, _mm256_set1_ps(0.693359375f), _mm256_add_ps(m, y));
}

// torch softplus (threshold 20). log1p(e) = log(1 + e) * e / ((1 + e) - 1) undoes the rounding of
// 1 + e (Goldberg); when 1 + e rounds to 1, log1p(e) = e. NaN stays NaN.
inline __m256 softplus(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 e = avx2::exp(x);
  const __m256 u = _mm256_add_ps(one, e);
  const __m256 um1 = _mm256_sub_ps(u, one);
  __m256 l = _mm256_mul_ps(log_ge1(u), _mm256_div_ps(e, um1));
  l = _mm256_blendv_ps(l, e, _mm256_cmp_ps(um1, _mm256_setzero_ps(), _CMP_EQ_OQ));
  l = _mm256_blendv_ps(l, x, _mm256_cmp_ps(x, _mm256_set1_ps(20.0f), _CMP_GT_OQ));
  return _mm256_blendv_ps(l, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

inline __m256 silu(__m256 x) {
  return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), avx2::exp(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

// 2^x for the discretisation exp(dt * A) = 2^(dt * A log2 e), the scan's hot spot (A is staged
// pre-multiplied by log2 e). Degree-6 Taylor polynomial of 2^f on [-1/2, 1/2] (relative error
// < 2e-7) times 2^n built in the exponent bits. Clamping to [-126, 127] keeps 2^n normal: below,
// the result is ~1e-38 instead of 0 (harmless next to dt * B * u). NaN survives the clamps.
inline __m256 exp2_disc(__m256 x) {
  x = _mm256_max_ps(_mm256_set1_ps(-126.0f), _mm256_min_ps(_mm256_set1_ps(127.0f), x));
  const __m256 n = _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256 f = _mm256_sub_ps(x, n);
  __m256 p = _mm256_set1_ps(1.5403270679109895e-4f);
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.3333558146428443e-3f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(9.6181291076284772e-3f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(5.5504108664821580e-2f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(2.4022650695910071e-1f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(6.9314718055994531e-1f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

constexpr float kLog2e = 1.44269504088896341f;

struct Lanes {
  __m256i mask[kNv];
  explicit Lanes(int64_t width) {
    for (int v = 0; v < kNv; ++v) {
      const int64_t left = width - int64_t(v) * kW;
      mask[v] = tail_mask(int(left < 0 ? 0 : left > kW ? kW : left));
    }
  }
};

template <bool Tail>
inline __m256 load(const float* p, const Lanes& l, int v) {
  return Tail ? _mm256_maskload_ps(p + v * kW, l.mask[v]) : _mm256_loadu_ps(p + v * kW);
}
template <bool Tail>
inline void store(float* p, __m256 x, const Lanes& l, int v) {
  if (Tail) _mm256_maskstore_ps(p + v * kW, l.mask[v], x);
  else _mm256_storeu_ps(p + v * kW, x);
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
  __m256 bias[kNv], Dv[kNv];
  for (int v = 0; v < kNv; ++v) {
    bias[v] = a.delta_bias ? load<Tail>(a.delta_bias + d0, lanes, v) : _mm256_setzero_ps();
    Dv[v] = a.D ? load<Tail>(a.D + d0, lanes, v) : _mm256_setzero_ps();
  }
  for (int64_t t = 0; t < L; ++t) {
    const int64_t row = (b * L + t) * dim + d0;
    const float* Bt = a.B + ((b * L + t) * G + g) * N;
    const float* Ct = a.C + ((b * L + t) * G + g) * N;
    __m256 dt[kNv], dtu[kNv], uv[kNv], acc[kNv];
    for (int v = 0; v < kNv; ++v) {
      dt[v] = _mm256_add_ps(load<Tail>(a.delta + row, lanes, v), bias[v]);
      if (a.delta_softplus) dt[v] = softplus(dt[v]);
      uv[v] = load<Tail>(a.u + row, lanes, v);
      dtu[v] = _mm256_mul_ps(dt[v], uv[v]);
      acc[v] = _mm256_setzero_ps();
    }
    for (int64_t n = 0; n < N; ++n) {
      const __m256 bn = _mm256_broadcast_ss(Bt + n), cn = _mm256_broadcast_ss(Ct + n);
      float* hn = hT + n * kS;
      const float* an = aT + n * kS;
      for (int v = 0; v < kNv; ++v) {
        const __m256 dA = exp2_disc(_mm256_mul_ps(dt[v], _mm256_loadu_ps(an + v * kW)));
        const __m256 h = _mm256_fmadd_ps(dA, _mm256_loadu_ps(hn + v * kW), _mm256_mul_ps(dtu[v], bn));
        _mm256_storeu_ps(hn + v * kW, h);
        acc[v] = _mm256_fmadd_ps(cn, h, acc[v]);
      }
    }
    for (int v = 0; v < kNv; ++v) {
      __m256 out = _mm256_fmadd_ps(Dv[v], uv[v], acc[v]);
      if (a.z) out = _mm256_mul_ps(out, silu(load<Tail>(a.z + row, lanes, v)));
      store<Tail>(a.y + row, out, lanes, v);
    }
  }
  for (int64_t j = 0; j < width; ++j)
    for (int64_t n = 0; n < N; ++n) a.last_state[(b * dim + d0 + j) * N + n] = hT[n * kS + j];
}
}  // namespace

void scan_selective_f32_avx2(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch) {
  float* hT = scratch;
  float* aT = scratch + a.d_state * kS;
  for (int64_t s = d0; s < d1; s += kS) {
    const int64_t width = d1 - s < kS ? d1 - s : kS;
    if (width == kS) prefill<false>(a, b, s, width, hT, aT);
    else prefill<true>(a, b, s, width, hT, aT);
  }
}

// One token: dt and the gate are vectors over channels; the state update runs along d_state,
// which is the state's memory order, with one horizontal sum per channel for C·h.
void scan_step_f32_avx2(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float*) {
  const int64_t N = a.d_state, dim = a.dim, G = a.groups;
  const int64_t g = d0 / (dim / G);
  const float* Bt = a.B + (b * G + g) * N;
  const float* Ct = a.C + (b * G + g) * N;
  alignas(32) float dtb[kScanBlock] = {}, yb[kScanBlock] = {};
  for (int64_t s = d0; s < d1; s += kW) {
    const int64_t w = d1 - s < kW ? d1 - s : kW;
    const __m256i m = tail_mask(int(w));
    __m256 dt = _mm256_maskload_ps(a.delta + b * dim + s, m);
    if (a.delta_bias) dt = _mm256_add_ps(dt, _mm256_maskload_ps(a.delta_bias + s, m));
    if (a.delta_softplus) dt = softplus(dt);
    _mm256_store_ps(dtb + (s - d0), dt);
  }
  const __m256i nm = tail_mask(int(N % kW));
  for (int64_t d = d0; d < d1; ++d) {
    const float dtv = dtb[d - d0];
    const __m256 dt2 = _mm256_set1_ps(dtv * kLog2e), dtu = _mm256_set1_ps(dtv * a.u[b * dim + d]);
    const float* h0 = a.state ? a.state + (b * dim + d) * N : nullptr;
    float* h1 = a.last_state + (b * dim + d) * N;
    const float* Ad = a.A + d * N;
    __m256 acc = _mm256_setzero_ps();
    int64_t n = 0;
    for (; n + kW <= N; n += kW) {
      const __m256 h = h0 ? _mm256_loadu_ps(h0 + n) : _mm256_setzero_ps();
      const __m256 dA = exp2_disc(_mm256_mul_ps(dt2, _mm256_loadu_ps(Ad + n)));
      const __m256 hn = _mm256_fmadd_ps(dA, h, _mm256_mul_ps(dtu, _mm256_loadu_ps(Bt + n)));
      _mm256_storeu_ps(h1 + n, hn);
      acc = _mm256_fmadd_ps(_mm256_loadu_ps(Ct + n), hn, acc);
    }
    if (n < N) {
      const __m256 h = h0 ? _mm256_maskload_ps(h0 + n, nm) : _mm256_setzero_ps();
      const __m256 dA = exp2_disc(_mm256_mul_ps(dt2, _mm256_maskload_ps(Ad + n, nm)));
      const __m256 hn = _mm256_fmadd_ps(dA, h, _mm256_mul_ps(dtu, _mm256_maskload_ps(Bt + n, nm)));
      _mm256_maskstore_ps(h1 + n, nm, hn);
      acc = _mm256_fmadd_ps(_mm256_maskload_ps(Ct + n, nm), hn, acc);
    }
    yb[d - d0] = hsum(acc);
  }
  for (int64_t s = d0; s < d1; s += kW) {
    const int64_t w = d1 - s < kW ? d1 - s : kW;
    const __m256i m = tail_mask(int(w));
    const __m256 uv = _mm256_maskload_ps(a.u + b * dim + s, m);
    __m256 out = _mm256_load_ps(yb + (s - d0));
    if (a.D) out = _mm256_fmadd_ps(_mm256_maskload_ps(a.D + s, m), uv, out);
    if (a.z) out = _mm256_mul_ps(out, silu(_mm256_maskload_ps(a.z + b * dim + s, m)));
    _mm256_maskstore_ps(a.y + b * dim + s, m, out);
  }
}

}  // namespace attnscan
