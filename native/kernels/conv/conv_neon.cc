#include "common/simd_neon.h"
#include "kernels/conv/conv.h"
#include "kernels/conv/conv_stage.h"

namespace attnscan {
namespace {
using namespace neon;

constexpr int64_t kW = 4;
constexpr int64_t kS = kConvBlock;

inline float32x4_t act(float32x4_t x, bool silu) {
  if (!silu) return x;
  return vdivq_f32(x, vaddq_f32(vdupq_n_f32(1.0f), neon::exp(vnegq_f32(x))));
}

}  // namespace

// Whole 4-channel vectors; a narrower remainder goes to the reference.
void conv_causal_f32_neon(const ConvArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch) {
  const int64_t L = a.seq_len, dim = a.dim, K = a.width, hist = K - 1;
  const int64_t w = (d1 - d0) / kW * kW;
  if (w < d1 - d0) conv_causal_f32_ref(a, b, d0 + w, d1, scratch);
  if (w == 0) return;
  float* wT = scratch;
  float* hT = scratch + K * kS;
  conv_stage(a, b, d0, w, wT, hT);
  for (int64_t t = 0; t < L; ++t) {
    for (int64_t v = 0; v < w; v += kW) {
      float32x4_t acc = a.bias ? vld1q_f32(a.bias + d0 + v) : vdupq_n_f32(0.0f);
      for (int64_t k = 0; k < K; ++k) {
        const int64_t p = t - hist + k;
        const float32x4_t xv = vld1q_f32(p >= 0 ? a.x + (b * L + p) * dim + d0 + v : hT + (hist + p) * kS + v);
        acc = vfmaq_f32(acc, vld1q_f32(wT + k * kS + v), xv);
      }
      vst1q_f32(a.y + (b * L + t) * dim + d0 + v, act(acc, a.silu));
    }
  }
  for (int64_t j = 0; j < w; ++j)
    for (int64_t i = 0; i < hist; ++i) {
      const int64_t p = L - hist + i;
      a.new_state[(b * dim + d0 + j) * hist + i] = p >= 0 ? a.x[(b * L + p) * dim + d0 + j] : hT[(hist + p) * kS + j];
    }
}

void conv_step_f32_neon(const ConvArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch) {
  const int64_t dim = a.dim, K = a.width, hist = K - 1;
  const int64_t w = (d1 - d0) / kW * kW;
  if (w < d1 - d0) conv_step_f32_ref(a, b, d0 + w, d1, scratch);
  if (w == 0) return;
  float* wT = scratch;
  float* hT = scratch + K * kS;
  conv_stage(a, b, d0, w, wT, hT);
  const float* x = a.x + b * dim + d0;
  for (int64_t v = 0; v < w; v += kW) {
    float32x4_t acc = a.bias ? vld1q_f32(a.bias + d0 + v) : vdupq_n_f32(0.0f);
    for (int64_t k = 0; k < hist; ++k) acc = vfmaq_f32(acc, vld1q_f32(wT + k * kS + v), vld1q_f32(hT + k * kS + v));
    acc = vfmaq_f32(acc, vld1q_f32(wT + hist * kS + v), vld1q_f32(x + v));
    vst1q_f32(a.y + b * dim + d0 + v, act(acc, a.silu));
  }
  for (int64_t j = 0; j < w; ++j) {
    float* ns = a.new_state + (b * dim + d0 + j) * hist;
    for (int64_t i = 0; i + 1 < hist; ++i) ns[i] = hT[(i + 1) * kS + j];
    if (hist > 0) ns[hist - 1] = x[j];
  }
}

}  // namespace attnscan
