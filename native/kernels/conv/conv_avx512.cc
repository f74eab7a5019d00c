#include "common/simd_avx512.h"
#include "kernels/conv/conv.h"
#include "kernels/conv/conv_stage.h"

namespace attnscan {
namespace {
using namespace avx512;

constexpr int kW = 16;
constexpr int64_t kS = kConvBlock;

inline __m512 act(__m512 x, bool silu) {
  if (!silu) return x;
  return _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), avx512::exp(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}
inline __m512 load(const float* p, int64_t, __mmask16 m) {
  return _mm512_maskz_loadu_ps(m, p);
}
inline void store(float* p, __m512 x, int64_t, __mmask16 m) {
  _mm512_mask_storeu_ps(p, m, x);
}

}  // namespace

void conv_causal_f32_avx512(const ConvArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch) {
  const int64_t L = a.seq_len, dim = a.dim, K = a.width, hist = K - 1, w = d1 - d0;
  float* wT = scratch;
  float* hT = scratch + K * kS;
  conv_stage(a, b, d0, w, wT, hT);
  for (int64_t t = 0; t < L; ++t) {
    for (int64_t v = 0; v < w; v += kW) {
      const int64_t left = w - v;
      const __mmask16 m = tail_mask(int(left < kW ? left : kW));
      __m512 acc = a.bias ? load(a.bias + d0 + v, left, m) : _mm512_setzero_ps();
      for (int64_t k = 0; k < K; ++k) {
        const int64_t p = t - hist + k;
        const __m512 xv = p >= 0 ? load(a.x + (b * L + p) * dim + d0 + v, left, m) : _mm512_loadu_ps(hT + (hist + p) * kS + v);
        acc = _mm512_fmadd_ps(_mm512_loadu_ps(wT + k * kS + v), xv, acc);
      }
      store(a.y + (b * L + t) * dim + d0 + v, act(acc, a.silu), left, m);
    }
  }
  for (int64_t j = 0; j < w; ++j)
    for (int64_t i = 0; i < hist; ++i) {
      const int64_t p = L - hist + i;
      a.new_state[(b * dim + d0 + j) * hist + i] = p >= 0 ? a.x[(b * L + p) * dim + d0 + j] : hT[(hist + p) * kS + j];
    }
}

void conv_step_f32_avx512(const ConvArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch) {
  const int64_t dim = a.dim, K = a.width, hist = K - 1, w = d1 - d0;
  float* wT = scratch;
  float* hT = scratch + K * kS;
  conv_stage(a, b, d0, w, wT, hT);
  const float* x = a.x + b * dim + d0;
  for (int64_t v = 0; v < w; v += kW) {
    const int64_t left = w - v;
    const __mmask16 m = tail_mask(int(left < kW ? left : kW));
    const __m512 xv = load(x + v, left, m);
    __m512 acc = a.bias ? load(a.bias + d0 + v, left, m) : _mm512_setzero_ps();
    for (int64_t k = 0; k < hist; ++k) acc = _mm512_fmadd_ps(_mm512_loadu_ps(wT + k * kS + v), _mm512_loadu_ps(hT + k * kS + v), acc);
    acc = _mm512_fmadd_ps(_mm512_loadu_ps(wT + hist * kS + v), xv, acc);
    store(a.y + b * dim + d0 + v, act(acc, a.silu), left, m);
  }
  for (int64_t j = 0; j < w; ++j) {
    float* ns = a.new_state + (b * dim + d0 + j) * hist;
    for (int64_t i = 0; i + 1 < hist; ++i) ns[i] = hT[(i + 1) * kS + j];
    if (hist > 0) ns[hist - 1] = x[j];
  }
}

}  // namespace attnscan
