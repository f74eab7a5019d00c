// NEON: GEMM micro-kernel 8 x 8 (16 q accumulators, two W vectors, scalar-by-vector FMAs),
// GEMV several W rows at a time with a scalar tail. f16 converts with vcvt_f32_f16, bf16 by a shift.
#include "common/half.h"
#include "common/simd_neon.h"
#include "kernels/matmul/matmul_gemm.h"
#include "kernels/matmul/matmul_gemv.h"

namespace attnscan {
namespace {
using namespace neon;

struct F32W {
  static float32x4_t load(const void* w, int64_t i) { return vld1q_f32(static_cast<const float*>(w) + i); }
  static float at(const void* w, int64_t i) { return static_cast<const float*>(w)[i]; }
};
struct F16W {
  static float32x4_t load(const void* w, int64_t i) { return load_f16(static_cast<const uint16_t*>(w) + i); }
  static float at(const void* w, int64_t i) { return f16_to_f32(static_cast<const uint16_t*>(w)[i]); }
};
struct Bf16W {
  static float32x4_t load(const void* w, int64_t i) { return load_bf16(static_cast<const uint16_t*>(w) + i); }
  static float at(const void* w, int64_t i) { return bf16_to_f32(static_cast<const uint16_t*>(w)[i]); }
};

struct Kernel {
  static constexpr int MR = 8, NR = 8;
  static constexpr bool kShortRows = false;

  static const float* row(const LinearArgs& a, int64_t o, int64_t k0, int64_t kc, float* buf) {
    const int64_t base = o * a.in + k0;
    if (a.wtype == WeightType::f32) return static_cast<const float*>(a.w) + base;
    const uint16_t* src = static_cast<const uint16_t*>(a.w) + base;
    const bool f16 = a.wtype == WeightType::f16;
    int64_t k = 0;
    for (; k + 4 <= kc; k += 4) vst1q_f32(buf + k, f16 ? load_f16(src + k) : load_bf16(src + k));
    for (; k < kc; ++k) buf[k] = f16 ? f16_to_f32(src[k]) : bf16_to_f32(src[k]);
    return buf;
  }

  static void pack(const float* const* src, int n, int width, int64_t kc, float* dst) {
    pack_scalar(src, n, width, kc, dst);
  }

  static void tile(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, const float* bias, bool acc, int /*mr*/) {
    float32x4_t c0[MR], c1[MR];
    const float32x4_t b0 = bias ? vld1q_f32(bias) : vdupq_n_f32(0.0f);
    const float32x4_t b1 = bias ? vld1q_f32(bias + 4) : vdupq_n_f32(0.0f);
    for (int r = 0; r < MR; ++r) {
      c0[r] = b0;
      c1[r] = b1;
    }
    for (int64_t k = 0; k < kc; ++k, ap += MR, bp += NR) {
      const float32x4_t w0 = vld1q_f32(bp), w1 = vld1q_f32(bp + 4);
      for (int r = 0; r < MR; ++r) {
        c0[r] = vfmaq_n_f32(c0[r], w0, ap[r]);
        c1[r] = vfmaq_n_f32(c1[r], w1, ap[r]);
      }
    }
    for (int r = 0; r < MR; ++r) {
      float* cr = c + r * ldc;
      if (acc) {
        c0[r] = vaddq_f32(c0[r], vld1q_f32(cr));
        c1[r] = vaddq_f32(c1[r], vld1q_f32(cr + 4));
      }
      vst1q_f32(cr, c0[r]);
      vst1q_f32(cr + 4, c1[r]);
    }
  }
};

// y[r, o + g * stride] for g < G and every row r < R: G W rows streamed once, each dotted with all R x rows.
template <class W, int R, int G>
void gemv_group(const LinearArgs& a, int64_t o, int64_t stride) {
  float32x4_t acc[R][G];
  for (int r = 0; r < R; ++r)
    for (int g = 0; g < G; ++g) acc[r][g] = vdupq_n_f32(0.0f);
  const int64_t n = a.in;
  int64_t row[G];
  for (int g = 0; g < G; ++g) row[g] = (o + g * stride) * n;
  int64_t k = 0;
  for (; k + 4 <= n; k += 4) {
    float32x4_t w[G];
    for (int g = 0; g < G; ++g) w[g] = W::load(a.w, row[g] + k);
    for (int r = 0; r < R; ++r) {
      const float32x4_t x = vld1q_f32(a.x + r * n + k);
      for (int g = 0; g < G; ++g) acc[r][g] = vfmaq_f32(acc[r][g], x, w[g]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int g = 0; g < G; ++g) {
      const int64_t og = o + g * stride;
      float s = hsum(acc[r][g]);
      for (int64_t t = k; t < n; ++t) s += a.x[r * n + t] * W::at(a.w, row[g] + t);
      a.y[r * a.out + og] = s + (a.bias ? a.bias[og] : 0.0f) + (a.residual ? a.residual[r * a.out + og] : 0.0f);
    }
  }
}

// Register budget: R x G accumulators + G weight vectors + x within the 32 q registers.
struct Gemv {
  using F32 = F32W;
  using F16 = F16W;
  using Bf16 = Bf16W;
  template <int R>
  static constexpr int groups() { return R <= 4 ? 4 : 3; }
  // Adjacent rows, as before the x86 GEMVs' row streams: not measured on an ARM machine.
  template <int R>
  static constexpr bool streams() { return false; }
  template <class W, int R, int G>
  static void group(const LinearArgs& a, int64_t o, int64_t stride) { gemv_group<W, R, G>(a, o, stride); }
};

}  // namespace

void matmul_gemm_tile_neon(const LinearArgs& a, int64_t r0, int64_t r1, int64_t o0, int64_t o1, float* scratch) {
  gemm_tile<Kernel>(a, r0, r1, o0, o1, scratch);
}

void matmul_gemv_tile_neon(const LinearArgs& a, int64_t o0, int64_t o1) { gemv_tile<Gemv>(a, o0, o1); }

}  // namespace attnscan
