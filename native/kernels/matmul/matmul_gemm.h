// The BLIS-style loop nest of a GEMM tile, shared by the ISA files and included only from them,
// so each instantiation is compiled with its file's ISA flags. A Kernel supplies
//   MR, NR                    register block: MR rows of x by NR outputs
//   row(a, o, k0, kc, buf)    kc weights of W row o from k0 as f32 (a pointer into W for f32,
//                             else converted into buf)
//   pack(src, n, width, kc, dst)
//                             dst[k * width + i] = src[i][k] (i < n), zero-padded to width
//   tile(kc, ap, bp, c, ldc, bias, acc, mr)
//                             c[MR, NR] (row stride ldc) = (acc ? c : bias or 0) + ap · bp, with
//                             ap = x block packed k-major [kc][MR], bp = W panel packed [kc][NR];
//                             a kernel with kShortRows computes and writes only the first mr rows
// Loop order (BLIS): for each kKc slice of `in`, pack the tile's W panel once, then for each kMc
// block of rows pack x, and sweep NR-wide column panels (kept in L1) over MR-row blocks.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/matmul/matmul.h"

namespace attnscan {
namespace {

// dst[k * width + i] = src[i][k] for i < n, 0 for n <= i < width: the plain packing, which the
// AVX-512 kernel replaces with 16 x 16 register transposes.
inline void pack_scalar(const float* const* src, int n, int width, int64_t kc, float* dst) {
  for (int64_t k = 0; k < kc; ++k, dst += width) {
    for (int i = 0; i < n; ++i) dst[i] = src[i][k];
    for (int i = n; i < width; ++i) dst[i] = 0.0f;
  }
}

// W panel [nc outputs from o0][kc from k0] -> per NR outputs, [kc][NR].
template <class K>
void pack_w(const LinearArgs& a, int64_t o0, int64_t nc, int64_t k0, int64_t kc, float* bp, float* rowbuf) {
  const float* src[32];
  for (int64_t j = 0; j < nc; j += K::NR) {
    const int nr = int(std::min<int64_t>(K::NR, nc - j));
    for (int c = 0; c < nr; ++c) src[c] = K::row(a, o0 + j + c, k0, kc, rowbuf + c * kc);
    K::pack(src, nr, K::NR, kc, bp + j * kc);
  }
}

// x block [mc rows from i0][kc from k0] -> per MR rows, [kc][MR].
template <class K>
void pack_x(const LinearArgs& a, int64_t i0, int64_t mc, int64_t k0, int64_t kc, float* ap) {
  const float* src[32];
  for (int64_t i = 0; i < mc; i += K::MR) {
    const int mr = int(std::min<int64_t>(K::MR, mc - i));
    for (int r = 0; r < mr; ++r) src[r] = a.x + (i0 + i + r) * a.in + k0;
    K::pack(src, mr, K::MR, kc, ap + i * kc);
  }
}

template <class K>
void gemm_tile(const LinearArgs& a, int64_t r0, int64_t r1, int64_t o0, int64_t o1, float* scratch) {
  static_assert(kMc % K::MR == 0 && K::NR <= 32 && K::MR <= 16 && K::MR * K::NR + K::NR <= 16 * 64, "blocking");
  float* bp = scratch;                    // [kKc][kNcMax + 32]
  float* ap = bp + kKc * (kNcMax + 32);   // [kKc][kMc + 16]
  float* rowbuf = ap + kKc * (kMc + 16);  // [32][kKc]
  float* edge = rowbuf + 32 * kKc;        // [MR][NR] then [NR] bias
  float* edge_bias = edge + K::MR * K::NR;
  const int64_t nc = o1 - o0;
  // A residual seeds the tile (plus the bias) and every k slice accumulates onto it: one pass over
  // the tile, against in FMAs per element, and it works in place (residual == y).
  if (a.residual) {
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t o = o0; o < o1; ++o) a.y[r * a.out + o] = a.residual[r * a.out + o] + (a.bias ? a.bias[o] : 0.0f);
  }
  for (int64_t k0 = 0; k0 < a.in; k0 += kKc) {
    const int64_t kc = std::min(kKc, a.in - k0);
    const bool acc = k0 > 0 || a.residual;
    pack_w<K>(a, o0, nc, k0, kc, bp, rowbuf);
    for (int64_t i0 = r0; i0 < r1; i0 += kMc) {
      const int64_t mc = std::min(kMc, r1 - i0);
      pack_x<K>(a, i0, mc, k0, kc, ap);
      for (int64_t j = 0; j < nc; j += K::NR) {
        const int nr = int(std::min<int64_t>(K::NR, nc - j));
        const float* bias = !acc && a.bias ? a.bias + o0 + j : nullptr;
        if (bias && nr < K::NR) {
          for (int c = 0; c < K::NR; ++c) edge_bias[c] = c < nr ? bias[c] : 0.0f;
          bias = edge_bias;
        }
        for (int64_t i = 0; i < mc; i += K::MR) {
          const int mr = int(std::min<int64_t>(K::MR, mc - i));
          float* c = a.y + (i0 + i) * a.out + o0 + j;
          if (nr == K::NR && (mr == K::MR || K::kShortRows)) {
            K::tile(kc, ap + i * kc, bp + j * kc, c, a.out, bias, acc, mr);
            continue;
          }
          // Edge tile: run the full-size kernel on a local copy, keep the valid part.
          for (int r = 0; r < K::MR; ++r)
            for (int q = 0; q < K::NR; ++q) edge[r * K::NR + q] = acc && r < mr && q < nr ? c[r * a.out + q] : 0.0f;
          K::tile(kc, ap + i * kc, bp + j * kc, edge, K::NR, bias, acc, mr);
          for (int r = 0; r < mr; ++r)
            for (int q = 0; q < nr; ++q) c[r * a.out + q] = edge[r * K::NR + q];
        }
      }
    }
  }
}

}  // namespace
}  // namespace attnscan
