// AVX2+FMA: GEMM micro-kernel 6 x 16 (12 ymm accumulators, two W vectors and one broadcast),
// GEMV several W rows at a time with a scalar tail. f16 converts with F16C, bf16 by a 16-bit shift.
#include "common/half.h"
#include "common/simd_avx2.h"
#include "kernels/matmul/matmul_gemm.h"
#include "kernels/matmul/matmul_gemv.h"

namespace attnscan {
namespace {
using namespace avx2;

struct F32W {
  static constexpr int kBytes = 4;
  static __m256 load(const void* w, int64_t i) { return _mm256_loadu_ps(static_cast<const float*>(w) + i); }
  static float at(const void* w, int64_t i) { return static_cast<const float*>(w)[i]; }
};
struct F16W {
  static constexpr int kBytes = 2;
  static __m256 load(const void* w, int64_t i) { return load_f16(static_cast<const uint16_t*>(w) + i); }
  static float at(const void* w, int64_t i) { return f16_to_f32(static_cast<const uint16_t*>(w)[i]); }
};
struct Bf16W {
  static constexpr int kBytes = 2;
  static __m256 load(const void* w, int64_t i) { return load_bf16(static_cast<const uint16_t*>(w) + i); }
  static float at(const void* w, int64_t i) { return bf16_to_f32(static_cast<const uint16_t*>(w)[i]); }
};

struct Kernel {
  static constexpr int MR = 6, NR = 16;
  static constexpr bool kShortRows = false;

  static const float* row(const LinearArgs& a, int64_t o, int64_t k0, int64_t kc, float* buf) {
    const int64_t base = o * a.in + k0;
    if (a.wtype == WeightType::f32) return static_cast<const float*>(a.w) + base;
    const uint16_t* src = static_cast<const uint16_t*>(a.w) + base;
    const bool f16 = a.wtype == WeightType::f16;
    int64_t k = 0;
    for (; k + 8 <= kc; k += 8) _mm256_storeu_ps(buf + k, f16 ? load_f16(src + k) : load_bf16(src + k));
    for (; k < kc; ++k) buf[k] = f16 ? f16_to_f32(src[k]) : bf16_to_f32(src[k]);
    return buf;
  }

  static void pack(const float* const* src, int n, int width, int64_t kc, float* dst) {
    pack_scalar(src, n, width, kc, dst);
  }

  static void tile(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, const float* bias, bool acc, int /*mr*/) {
    __m256 c0[MR], c1[MR];
    const __m256 b0 = bias ? _mm256_loadu_ps(bias) : _mm256_setzero_ps();
    const __m256 b1 = bias ? _mm256_loadu_ps(bias + 8) : _mm256_setzero_ps();
    for (int r = 0; r < MR; ++r) {
      c0[r] = b0;
      c1[r] = b1;
    }
    for (int64_t k = 0; k < kc; ++k, ap += MR, bp += NR) {
      const __m256 w0 = _mm256_load_ps(bp), w1 = _mm256_load_ps(bp + 8);
      for (int r = 0; r < MR; ++r) {
        const __m256 x = _mm256_broadcast_ss(ap + r);
        c0[r] = _mm256_fmadd_ps(x, w0, c0[r]);
        c1[r] = _mm256_fmadd_ps(x, w1, c1[r]);
      }
    }
    for (int r = 0; r < MR; ++r) {
      float* cr = c + r * ldc;
      if (acc) {
        c0[r] = _mm256_add_ps(c0[r], _mm256_loadu_ps(cr));
        c1[r] = _mm256_add_ps(c1[r], _mm256_loadu_ps(cr + 8));
      }
      _mm256_storeu_ps(cr, c0[r]);
      _mm256_storeu_ps(cr + 8, c1[r]);
    }
  }
};

// y[r, o + g * stride] for g < G and every row r < R: G W rows streamed once, each dotted with all
// R x rows, a whole 64-byte line of each per step with one prefetch.
template <class W, int R, int G>
void gemv_group(const LinearArgs& a, int64_t o, int64_t stride) {
  constexpr int V = 8 / W::kBytes;  // vectors per line
  __m256 acc[R][G];
  for (int r = 0; r < R; ++r)
    for (int g = 0; g < G; ++g) acc[r][g] = _mm256_setzero_ps();
  const int64_t n = a.in;
  int64_t row[G];
  for (int g = 0; g < G; ++g) row[g] = (o + g * stride) * n;
  auto step = [&](int64_t k) {
    __m256 w[G];
    for (int g = 0; g < G; ++g) w[g] = W::load(a.w, row[g] + k);
    for (int r = 0; r < R; ++r) {
      __m256 x = _mm256_loadu_ps(a.x + r * n + k);
      // In a register: gcc otherwise folds the load into each of the G FMAs (as in the avx512 GEMV).
      __asm__("" : "+x"(x));
      for (int g = 0; g < G; ++g) acc[r][g] = _mm256_fmadd_ps(x, w[g], acc[r][g]);
    }
  };
  const int64_t ahead = gemv_prefetch_ahead<R, G>(n, W::kBytes);
  int64_t k = 0;
  for (; k + 8 * V <= n; k += 8 * V) {
    for (int g = 0; g < G; ++g) _mm_prefetch(static_cast<const char*>(a.w) + (row[g] + k) * W::kBytes + ahead, _MM_HINT_T0);
    for (int v = 0; v < V; ++v) step(k + 8 * v);
  }
  for (; k + 8 <= n; k += 8) step(k);
  for (int r = 0; r < R; ++r) {
    for (int g = 0; g < G; ++g) {
      const int64_t og = o + g * stride;
      float s = hsum(acc[r][g]);
      for (int64_t t = k; t < n; ++t) s += a.x[r * n + t] * W::at(a.w, row[g] + t);
      a.y[r * a.out + og] = s + (a.bias ? a.bias[og] : 0.0f) + (a.residual ? a.residual[r * a.out + og] : 0.0f);
    }
  }
}

// Register budget: R x G accumulators + G weight vectors + x within the 16 ymm.
struct Gemv {
  using F32 = F32W;
  using F16 = F16W;
  using Bf16 = Bf16W;
  template <int R>
  static constexpr int groups() { return R <= 2 ? 4 : R <= 4 ? 2 : 1; }
  template <int R>
  static constexpr bool streams() { return gemv_row_streams<R>(); }
  template <class W, int R, int G>
  static void group(const LinearArgs& a, int64_t o, int64_t stride) { gemv_group<W, R, G>(a, o, stride); }
};

}  // namespace

void matmul_gemm_tile_avx2(const LinearArgs& a, int64_t r0, int64_t r1, int64_t o0, int64_t o1, float* scratch) {
  gemm_tile<Kernel>(a, r0, r1, o0, o1, scratch);
}

void matmul_gemv_tile_avx2(const LinearArgs& a, int64_t o0, int64_t o1) { gemv_tile<Gemv>(a, o0, o1); }

}  // namespace attnscan
