// AVX-512: GEMM micro-kernel 14 x 32 (28 zmm accumulators, two W vectors and one broadcast),
// GEMV several W rows at a time with masked tails. f16 converts with vcvtph2ps, bf16 by a 16-bit shift:
// both exact, so all three weight types share the f32 FMA path (no vdpbf16ps, which would need x
// rounded to bf16).
#include <type_traits>

#include "common/simd_avx512.h"
#include "kernels/matmul/matmul_gemm.h"
#include "kernels/matmul/matmul_gemv.h"

// gcc 12's own _mm512_undefined_ps (`__m512 __Y = __Y;`, used by the reductions and shuffles)
// trips -Wuninitialized when inlined into the GEMV: a known gcc 12 false positive.
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace attnscan {
namespace {
using namespace avx512;

struct F32W {
  static constexpr int kBytes = 4;
  static __m512 load(const void* w, int64_t i) { return _mm512_loadu_ps(static_cast<const float*>(w) + i); }
  static __m512 load(const void* w, int64_t i, __mmask16 m) { return _mm512_maskz_loadu_ps(m, static_cast<const float*>(w) + i); }
};
struct F16W {
  static constexpr int kBytes = 2;
  static __m512 load(const void* w, int64_t i) { return load_f16(static_cast<const uint16_t*>(w) + i); }
  static __m512 load(const void* w, int64_t i, __mmask16 m) { return maskz_load_f16(m, static_cast<const uint16_t*>(w) + i); }
};
struct Bf16W {
  static constexpr int kBytes = 2;
  static __m512 load(const void* w, int64_t i) { return load_bf16(static_cast<const uint16_t*>(w) + i); }
  static __m512 load(const void* w, int64_t i, __mmask16 m) { return maskz_load_bf16(m, static_cast<const uint16_t*>(w) + i); }
};

// In-register transpose: on entry r[i] holds row i (16 values), on exit r[j] holds column j.
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // r[4i + j], 128-bit lane l: rows 4i..4i+3 of column 4l + j.
  for (int i = 0; i < 4; ++i) {
    const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 2]);
    const __m512d c = _mm512_castps_pd(t[4 * i + 1]), d = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
  }
  for (int j = 0; j < 4; ++j) {
    t[j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88);
    t[4 + j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xdd);
    t[8 + j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88);
    t[12 + j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xdd);
  }
  for (int j = 0; j < 4; ++j) {
    r[j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0x88);
    r[8 + j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0xdd);
    r[4 + j] = _mm512_shuffle_f32x4(t[4 + j], t[12 + j], 0x88);
    r[12 + j] = _mm512_shuffle_f32x4(t[4 + j], t[12 + j], 0xdd);
  }
}

struct Kernel {
  static constexpr int MR = 14, NR = 32;
  static constexpr bool kShortRows = true;

  static const float* row(const LinearArgs& a, int64_t o, int64_t k0, int64_t kc, float* buf) {
    const int64_t base = o * a.in + k0;
    if (a.wtype == WeightType::f32) return static_cast<const float*>(a.w) + base;
    const uint16_t* src = static_cast<const uint16_t*>(a.w) + base;
    const bool f16 = a.wtype == WeightType::f16;
    int64_t k = 0;
    for (; k + 16 <= kc; k += 16) _mm512_storeu_ps(buf + k, f16 ? load_f16(src + k) : load_bf16(src + k));
    if (k < kc) {
      const __mmask16 m = tail_mask(int(kc - k));
      _mm512_mask_storeu_ps(buf + k, m, f16 ? maskz_load_f16(m, src + k) : maskz_load_bf16(m, src + k));
    }
    return buf;
  }

  // Packing with 16 x 16 transposes (the scalar element-by-element copy cost ~15% of a GEMM).
  static void pack(const float* const* src, int n, int width, int64_t kc, float* dst) {
    for (int h = 0; h < width; h += 16) {
      const int rows = std::max(0, std::min(16, n - h));
      const __mmask16 store = tail_mask(width - h);
      for (int64_t k = 0; k < kc; k += 16) {
        const int kn = int(std::min<int64_t>(16, kc - k));
        const __mmask16 load = tail_mask(kn);
        __m512 r[16];
        for (int i = 0; i < 16; ++i) r[i] = i < rows ? _mm512_maskz_loadu_ps(load, src[h + i] + k) : _mm512_setzero_ps();
        transpose16(r);
        for (int j = 0; j < kn; ++j) _mm512_mask_storeu_ps(dst + (k + j) * width + h, store, r[j]);
      }
    }
  }

  // Short row blocks (prompts of a few tokens, the last rows of a prefill) get their own
  // instantiation instead of FMAs on zero padding.
  static void tile(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, const float* bias, bool acc, int mr) {
    switch (mr) {
      case 1: return tile_m<1>(kc, ap, bp, c, ldc, bias, acc);
      case 2: return tile_m<2>(kc, ap, bp, c, ldc, bias, acc);
      case 3: return tile_m<3>(kc, ap, bp, c, ldc, bias, acc);
      case 4: return tile_m<4>(kc, ap, bp, c, ldc, bias, acc);
      case 5: return tile_m<5>(kc, ap, bp, c, ldc, bias, acc);
      case 6: return tile_m<6>(kc, ap, bp, c, ldc, bias, acc);
      case 7: return tile_m<7>(kc, ap, bp, c, ldc, bias, acc);
      case 8: return tile_m<8>(kc, ap, bp, c, ldc, bias, acc);
      case 9: return tile_m<9>(kc, ap, bp, c, ldc, bias, acc);
      case 10: return tile_m<10>(kc, ap, bp, c, ldc, bias, acc);
      case 11: return tile_m<11>(kc, ap, bp, c, ldc, bias, acc);
      case 12: return tile_m<12>(kc, ap, bp, c, ldc, bias, acc);
      case 13: return tile_m<13>(kc, ap, bp, c, ldc, bias, acc);
      default: return tile_m<MR>(kc, ap, bp, c, ldc, bias, acc);
    }
  }

  // Rows [0, M) of the MR-row packed block.
  template <int M>
  static void tile_m(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, const float* bias, bool acc) {
    __m512 c0[M], c1[M];
    const __m512 b0 = bias ? _mm512_loadu_ps(bias) : _mm512_setzero_ps();
    const __m512 b1 = bias ? _mm512_loadu_ps(bias + 16) : _mm512_setzero_ps();
    for (int r = 0; r < M; ++r) {
      c0[r] = b0;
      c1[r] = b1;
    }
    for (int64_t k = 0; k < kc; ++k, ap += MR, bp += NR) {
      const __m512 w0 = _mm512_load_ps(bp), w1 = _mm512_load_ps(bp + 16);
      for (int r = 0; r < M; ++r) {
        const __m512 x = _mm512_set1_ps(ap[r]);
        c0[r] = _mm512_fmadd_ps(x, w0, c0[r]);
        c1[r] = _mm512_fmadd_ps(x, w1, c1[r]);
      }
    }
    for (int r = 0; r < M; ++r) {
      float* cr = c + r * ldc;
      if (acc) {
        c0[r] = _mm512_add_ps(c0[r], _mm512_loadu_ps(cr));
        c1[r] = _mm512_add_ps(c1[r], _mm512_loadu_ps(cr + 16));
      }
      _mm512_storeu_ps(cr, c0[r]);
      _mm512_storeu_ps(cr + 16, c1[r]);
    }
  }
};

// y[r, o + g * stride] for g < G and every row r < R: G W rows streamed once, each dotted with all
// R x rows, a whole 64-byte line of each per step (two vectors for f16/bf16) with one prefetch.
template <class W, int R, int G>
void gemv_group(const LinearArgs& a, int64_t o, int64_t stride) {
  constexpr int V = 4 / W::kBytes;  // vectors per line
  __m512 acc[R][G];
  for (int r = 0; r < R; ++r)
    for (int g = 0; g < G; ++g) acc[r][g] = _mm512_setzero_ps();
  const int64_t n = a.in;
  int64_t row[G];
  for (int g = 0; g < G; ++g) row[g] = (o + g * stride) * n;
  // 16 elements of each row from k: all of them (full: std::true_type) or the mask m's.
  auto step = [&](int64_t k, auto full, __mmask16 m) {
    __m512 w[G];
    for (int g = 0; g < G; ++g) w[g] = full ? W::load(a.w, row[g] + k) : W::load(a.w, row[g] + k, m);
    for (int r = 0; r < R; ++r) {
      __m512 x = full ? _mm512_loadu_ps(a.x + r * n + k) : _mm512_maskz_loadu_ps(m, a.x + r * n + k);
      // In a register: gcc otherwise folds the load into each of the G FMAs, and with many rows
      // the repeated x loads, not the FMAs or the weight stream, bound the loop.
      __asm__("" : "+v"(x));
      for (int g = 0; g < G; ++g) acc[r][g] = _mm512_fmadd_ps(x, w[g], acc[r][g]);
    }
  };
  const int64_t ahead = gemv_prefetch_ahead<R, G>(n, W::kBytes);
  int64_t k = 0;
  for (; k + 16 * V <= n; k += 16 * V) {
    for (int g = 0; g < G; ++g) _mm_prefetch(static_cast<const char*>(a.w) + (row[g] + k) * W::kBytes + ahead, _MM_HINT_T0);
    for (int v = 0; v < V; ++v) step(k + 16 * v, std::true_type{}, 0);
  }
  for (; k + 16 <= n; k += 16) step(k, std::true_type{}, 0);
  if (k < n) step(k, std::false_type{}, tail_mask(int(n - k)));
  for (int r = 0; r < R; ++r)
    for (int g = 0; g < G; ++g) {
      const int64_t og = o + g * stride;
      a.y[r * a.out + og] = hsum(acc[r][g]) + (a.bias ? a.bias[og] : 0.0f) + (a.residual ? a.residual[r * a.out + og] : 0.0f);
    }
}

// Register budget: R x G accumulators + G weight vectors + x within the 32 zmm.
struct Gemv {
  using F32 = F32W;
  using F16 = F16W;
  using Bf16 = Bf16W;
  template <int R>
  static constexpr int groups() { return R <= 4 ? 4 : 3; }
  template <int R>
  static constexpr bool streams() { return gemv_row_streams<R>(); }
  template <class W, int R, int G>
  static void group(const LinearArgs& a, int64_t o, int64_t stride) { gemv_group<W, R, G>(a, o, stride); }
};

}  // namespace

void matmul_gemm_tile_avx512(const LinearArgs& a, int64_t r0, int64_t r1, int64_t o0, int64_t o1, float* scratch) {
  gemm_tile<Kernel>(a, r0, r1, o0, o1, scratch);
}

void matmul_gemv_tile_avx512(const LinearArgs& a, int64_t o0, int64_t o1) { gemv_tile<Gemv>(a, o0, o1); }

}  // namespace attnscan
