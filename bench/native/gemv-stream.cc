// Weight-streaming variants of the batch-1 AVX-512 GEMV (y = W x, W [out, in] row-major), timed
// over the weights of one LLaMA decode step (768 hidden, 12 layers: 48x 768x768, 24x 2048x768,
// 12x 768x2048, 1x 32000x768, in that order; 209 MiB f16), each pass streaming them all from DRAM.
// Every variant runs once per round, rounds alternate, medians reported: paired A/B in one process.
// Standalone (not part of the addon):
//   g++ -O3 -std=c++17 -mavx512f -mavx512bw -mavx512vl -mf16c -mfma bench/native/gemv-stream.cc -o /tmp/gemv-stream
//   flock /work/bench.lock /tmp/gemv-stream [rounds=15] [offset bytes=16] [huge|small] [rows per call=0]
// offset: the weights start this many bytes past a 64-byte boundary (glibc's large malloc, hence
// a V8 ArrayBuffer, gives 16); huge: madvise(MADV_HUGEPAGE), as the model's weight copy.
// rows per call: each matrix is handed to the variant in row ranges of that size (0: whole).
#include <immintrin.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

// gcc 12's own _mm512_undefined_ps trips -Wmaybe-uninitialized in the reductions (as in the addon).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace {

struct Mat {
  int64_t out, in;
  const void* w;
};

inline float hsum(__m512 v) { return _mm512_reduce_add_ps(v); }
inline __m512 f16(const uint16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
inline __m512 f16m(__mmask16 m, const uint16_t* p) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p)); }
inline __mmask16 tail(int64_t n) { return n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1); }

// The kernel on main before feat/gemv: G rows, 16 elements per row per step, prefetch of the next group's rows.
template <bool F16, int G>
void cur(const Mat& m, const float* x, float* y) {
  const int64_t n = m.in, eb = F16 ? 2 : 4;
  const char* base = static_cast<const char*>(m.w);
  int64_t o = 0;
  for (; o + G <= m.out; o += G) {
    __m512 acc[G];
    for (int g = 0; g < G; ++g) acc[g] = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k + 16 <= n; k += 16) {
      __m512 w[G];
      for (int g = 0; g < G; ++g) {
        _mm_prefetch(base + ((o + G + g) * n + k) * eb, _MM_HINT_T0);
        w[g] = F16 ? f16(reinterpret_cast<const uint16_t*>(base) + (o + g) * n + k)
                   : _mm512_loadu_ps(reinterpret_cast<const float*>(base) + (o + g) * n + k);
      }
      __m512 xv = _mm512_loadu_ps(x + k);
      for (int g = 0; g < G; ++g) acc[g] = _mm512_fmadd_ps(xv, w[g], acc[g]);
    }
    if (k < n) {
      const __mmask16 mk = tail(n - k);
      for (int g = 0; g < G; ++g) {
        __m512 w = F16 ? f16m(mk, reinterpret_cast<const uint16_t*>(base) + (o + g) * n + k)
                       : _mm512_maskz_loadu_ps(mk, reinterpret_cast<const float*>(base) + (o + g) * n + k);
        acc[g] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, x + k), w, acc[g]);
      }
    }
    for (int g = 0; g < G; ++g) y[o + g] = hsum(acc[g]);
  }
  for (; o < m.out; ++o) {
    __m512 acc = _mm512_setzero_ps();
    for (int64_t k = 0; k < n; k += 16) {
      const __mmask16 mk = tail(n - k);
      __m512 w = F16 ? f16m(mk, reinterpret_cast<const uint16_t*>(base) + o * n + k)
                     : _mm512_maskz_loadu_ps(mk, reinterpret_cast<const float*>(base) + o * n + k);
      acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, x + k), w, acc);
    }
    y[o] = hsum(acc);
  }
}

enum class Pf { none, next_group_t0, next_group_t1, ahead_t0, ahead_t1, ahead_nta, ahead_t0_prologue };

// f16, G rows, 32 elements (one 64-byte line) per row per step, two accumulators per row.
// Prefetch: none; the next group's rows at the same k (one per line); or `dist` bytes ahead of
// each row's current line (in the flat W stream).
template <int G, Pf P>
void line(const Mat& m, const float* x, float* y, int64_t dist) {
  const int64_t n = m.in;
  const uint16_t* w = static_cast<const uint16_t*>(m.w);
  int64_t o = 0;
  for (; o + G <= m.out; o += G) {
    __m512 a0[G], a1[G];
    for (int g = 0; g < G; ++g) a0[g] = a1[g] = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k + 32 <= n; k += 32) {
      const __m512 x0 = _mm512_loadu_ps(x + k), x1 = _mm512_loadu_ps(x + k + 16);
      for (int g = 0; g < G; ++g) {
        const uint16_t* p = w + (o + g) * n + k;
        if (P == Pf::next_group_t0) _mm_prefetch(reinterpret_cast<const char*>(p + G * n), _MM_HINT_T0);
        if (P == Pf::next_group_t1) _mm_prefetch(reinterpret_cast<const char*>(p + G * n), _MM_HINT_T1);
        if (P == Pf::ahead_t0) _mm_prefetch(reinterpret_cast<const char*>(p) + dist, _MM_HINT_T0);
        if (P == Pf::ahead_t1) _mm_prefetch(reinterpret_cast<const char*>(p) + dist, _MM_HINT_T1);
        if (P == Pf::ahead_nta) _mm_prefetch(reinterpret_cast<const char*>(p) + dist, _MM_HINT_NTA);
        a0[g] = _mm512_fmadd_ps(x0, f16(p), a0[g]);
        a1[g] = _mm512_fmadd_ps(x1, f16(p + 16), a1[g]);
      }
    }
    for (; k < n; k += 16) {
      const __mmask16 mk = tail(n - k);
      const __m512 xv = _mm512_maskz_loadu_ps(mk, x + k);
      for (int g = 0; g < G; ++g) a0[g] = _mm512_fmadd_ps(xv, f16m(mk, w + (o + g) * n + k), a0[g]);
    }
    for (int g = 0; g < G; ++g) y[o + g] = hsum(_mm512_add_ps(a0[g], a1[g]));
  }
  for (; o < m.out; ++o) {
    __m512 acc = _mm512_setzero_ps();
    for (int64_t k = 0; k < n; k += 16) {
      const __mmask16 mk = tail(n - k);
      acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, x + k), f16m(mk, w + o * n + k), acc);
    }
    y[o] = hsum(acc);
  }
}

// f16, one row at a time start to end (one sequential stream), 4 accumulators (two lines per
// step); optional prefetch `dist` bytes ahead.
template <Pf P>
void seq(const Mat& m, const float* x, float* y, int64_t dist) {
  const int64_t n = m.in;
  const uint16_t* w = static_cast<const uint16_t*>(m.w);
  for (int64_t o = 0; o < m.out; ++o) {
    const uint16_t* r = w + o * n;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t k = 0;
    for (; k + 64 <= n; k += 64) {
      if (P == Pf::ahead_t0) {
        _mm_prefetch(reinterpret_cast<const char*>(r + k) + dist, _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(r + k) + dist + 64, _MM_HINT_T0);
      }
      if (P == Pf::ahead_t1) {
        _mm_prefetch(reinterpret_cast<const char*>(r + k) + dist, _MM_HINT_T1);
        _mm_prefetch(reinterpret_cast<const char*>(r + k) + dist + 64, _MM_HINT_T1);
      }
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + k), f16(r + k), a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + k + 16), f16(r + k + 16), a1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(x + k + 32), f16(r + k + 32), a2);
      a3 = _mm512_fmadd_ps(_mm512_loadu_ps(x + k + 48), f16(r + k + 48), a3);
    }
    for (; k < n; k += 16) {
      const __mmask16 mk = tail(n - k);
      a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, x + k), f16m(mk, r + k), a0);
    }
    y[o] = hsum(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
  }
}

// S streams: stream s walks rows [s * q, (s + 1) * q) start to end (q = out / S), all S
// advancing one 64-byte line per step in lockstep, so the hardware prefetcher sees S long
// sequential streams in separate regions. Optional prefetch `dist` bytes ahead in each stream.
template <bool F16, int S, Pf P>
void split(const Mat& m, const float* x, float* y, int64_t dist) {
  constexpr int E = F16 ? 32 : 16;  // elements per line
  const int64_t n = m.in, q = m.out / S, eb = F16 ? 2 : 4;
  const char* w = static_cast<const char*>(m.w);
  auto ld = [&](const char* p) { return F16 ? f16(reinterpret_cast<const uint16_t*>(p)) : _mm512_loadu_ps(reinterpret_cast<const float*>(p)); };
  auto ldm = [&](__mmask16 mk, const char* p) {
    return F16 ? f16m(mk, reinterpret_cast<const uint16_t*>(p)) : _mm512_maskz_loadu_ps(mk, reinterpret_cast<const float*>(p));
  };
  // The first `dist` bytes of every stream, which the in-loop prefetch never covers.
  if (P == Pf::ahead_t0_prologue)
    for (int s = 0; s < S; ++s)
      for (int64_t b = 0; b < dist; b += 64) _mm_prefetch(w + s * q * n * eb + b, _MM_HINT_T0);
  for (int64_t i = 0; i < q; ++i) {
    __m512 a0[S], a1[S];
    for (int s = 0; s < S; ++s) a0[s] = a1[s] = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k + E <= n; k += E) {
      const __m512 x0 = _mm512_loadu_ps(x + k), x1 = _mm512_loadu_ps(x + k + 16);
      for (int s = 0; s < S; ++s) {
        const char* p = w + ((s * q + i) * n + k) * eb;
        if (P == Pf::ahead_t0 || P == Pf::ahead_t0_prologue) _mm_prefetch(p + dist, _MM_HINT_T0);
        if (P == Pf::ahead_t1) _mm_prefetch(p + dist, _MM_HINT_T1);
        a0[s] = _mm512_fmadd_ps(x0, ld(p), a0[s]);
        if (F16) a1[s] = _mm512_fmadd_ps(x1, ld(p + 32), a1[s]);
      }
    }
    for (; k < n; k += 16) {
      const __mmask16 mk = tail(n - k);
      const __m512 xv = _mm512_maskz_loadu_ps(mk, x + k);
      for (int s = 0; s < S; ++s) a0[s] = _mm512_fmadd_ps(xv, ldm(mk, w + ((s * q + i) * n + k) * eb), a0[s]);
    }
    for (int s = 0; s < S; ++s) y[s * q + i] = hsum(_mm512_add_ps(a0[s], a1[s]));
  }
  for (int64_t o = S * q; o < m.out; ++o) {
    __m512 acc = _mm512_setzero_ps();
    for (int64_t k = 0; k < n; k += 16) {
      const __mmask16 mk = tail(n - k);
      acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, x + k), ldm(mk, w + (o * n + k) * eb), acc);
    }
    y[o] = hsum(acc);
  }
}

// Read bandwidth probe over S equal regions in lockstep (S = 1: one sequential stream).
template <int S>
void probe_s(const Mat& m, const float*, float* y, int64_t) {
  const int64_t bytes = m.out * m.in * 2, q = bytes / S / 64 * 64;
  const char* p = static_cast<const char*>(m.w);
  __m512i a[S];
  for (int s = 0; s < S; ++s) a[s] = _mm512_setzero_si512();
  for (int64_t i = 0; i < q; i += 64)
    for (int s = 0; s < S; ++s) a[s] = _mm512_add_epi32(a[s], _mm512_loadu_si512(p + s * q + i));
  for (int s = 1; s < S; ++s) a[0] = _mm512_add_epi32(a[0], a[s]);
  y[0] = float(_mm512_reduce_add_epi32(a[0]));
}

using Fn = void (*)(const Mat&, const float*, float*, int64_t);
struct Variant {
  const char* name;
  Fn fn;
  bool f32;
  int64_t dist;
};

void f32_cur(const Mat& m, const float* x, float* y, int64_t) { cur<false, 4>(m, x, y); }
void f16_cur(const Mat& m, const float* x, float* y, int64_t) { cur<true, 4>(m, x, y); }

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

void* alloc(size_t bytes, size_t offset, bool huge) {
  const size_t align = huge ? (size_t(2) << 20) : 4096;
  char* p = static_cast<char*>(std::aligned_alloc(align, (bytes + offset + align - 1) / align * align));
  if (!p) std::abort();
  if (huge) madvise(p, bytes + offset, MADV_HUGEPAGE);
  return p + offset;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
  const size_t offset = argc > 2 ? size_t(std::atoi(argv[2])) : 16;
  const bool huge = argc > 3 && std::strcmp(argv[3], "huge") == 0;
  // Rows per call (0: whole matrices): the addon hands a GEMV to its tasks in row ranges
  // (a quarter of the outputs at 1 thread; 64 rows in the grouped and gated linears).
  const int64_t tile = argc > 4 ? std::atoll(argv[4]) : 0;
  std::vector<std::pair<int64_t, int64_t>> shapes;
  for (int l = 0; l < 12; ++l) {
    for (int i = 0; i < 4; ++i) shapes.push_back({768, 768});
    shapes.push_back({2048, 768});
    shapes.push_back({2048, 768});
    shapes.push_back({768, 2048});
  }
  shapes.push_back({32000, 768});
  std::vector<Mat> m16, m32;
  size_t bytes16 = 0;
  uint32_t s = 1;
  for (auto [out, in] : shapes) {
    const size_t n = size_t(out * in);
    uint16_t* h = static_cast<uint16_t*>(alloc(n * 2, offset, huge));
    float* f = static_cast<float*>(alloc(n * 4, offset, huge));
    for (size_t i = 0; i < n; ++i) {
      s = s * 1103515245u + 12345u;
      f[i] = (float(s >> 8) / 16777216.0f - 0.5f) * 0.04f;
      h[i] = _cvtss_sh(f[i], 0);
      f[i] = _cvtsh_ss(h[i]);
    }
    m16.push_back({out, in, h});
    m32.push_back({out, in, f});
    bytes16 += n * 2;
  }
  std::vector<float> x(2048), y(32000), ref(32000);
  for (int i = 0; i < 2048; ++i) x[i] = std::sin(0.1f * i);

  const std::vector<Variant> vs = {
      {"probe: read the f16 bytes, one stream", probe_s<1>, false, 0},
      {"probe: read them as 4 streams", probe_s<4>, false, 0},
      {"f32 main (G4, 16/row/step, pf next group)", f32_cur, true, 0},
      {"f32 split 4, pf +1 KiB T0", split<false, 4, Pf::ahead_t0>, true, 1024},
      {"f16 main (G4, 16/row/step, pf next group)", f16_cur, false, 0},
      {"f16 line G4, pf next group T0", line<4, Pf::next_group_t0>, false, 0},
      {"f16 line G4, pf next group T1", line<4, Pf::next_group_t1>, false, 0},
      {"f16 line G4, no pf", line<4, Pf::none>, false, 0},
      {"f16 line G4, pf +6 KiB T0", line<4, Pf::ahead_t0>, false, 6144},
      {"f16 line G4, pf +12 KiB NTA", line<4, Pf::ahead_nta>, false, 12288},
      {"f16 seq, no pf", seq<Pf::none>, false, 0},
      {"f16 seq, pf +2 KiB T0", seq<Pf::ahead_t0>, false, 2048},
      {"f16 seq, pf +4 KiB T1", seq<Pf::ahead_t1>, false, 4096},
      {"f16 split 4, no pf", split<true, 4, Pf::none>, false, 0},
      {"f16 split 2, pf +1 KiB T0", split<true, 2, Pf::ahead_t0>, false, 1024},
      {"f16 split 4, pf +1 KiB T0", split<true, 4, Pf::ahead_t0>, false, 1024},
      {"f16 split 4, pf +2 KiB T0", split<true, 4, Pf::ahead_t0>, false, 2048},
      {"f16 split 4, pf +4 KiB T1", split<true, 4, Pf::ahead_t1>, false, 4096},
      {"f16 split 4, pf +1 KiB T0 + prologue", split<true, 4, Pf::ahead_t0_prologue>, false, 1024},
      {"f16 split 8, pf +1 KiB T0", split<true, 8, Pf::ahead_t0>, false, 1024},
  };

  // Every variant must give the main loop's outputs (up to summation order).
  for (size_t v = 0; v < vs.size(); ++v) {
    if (std::strncmp(vs[v].name, "probe", 5) == 0) continue;
    const auto& ms = vs[v].f32 ? m32 : m16;
    for (size_t i = 0; i < ms.size(); i += 7) {
      cur<true, 4>(m16[i], x.data(), ref.data());
      vs[v].fn(ms[i], x.data(), y.data(), vs[v].dist);
      for (int64_t o = 0; o < ms[i].out; ++o)
        if (std::fabs(y[o] - ref[o]) > 1e-4f * (1 + std::fabs(ref[o]))) {
          std::printf("MISMATCH %s mat %zu out %ld: %g vs %g\n", vs[v].name, i, long(o), y[o], ref[o]);
          return 1;
        }
    }
  }

  std::vector<std::vector<double>> t(vs.size());
  for (int r = 0; r <= rounds; ++r) {
    for (size_t v = 0; v < vs.size(); ++v) {
      const auto& ms = vs[v].f32 ? m32 : m16;
      const double t0 = now();
      for (const Mat& m : ms) {
        const int64_t step = tile > 0 ? tile : m.out, eb = vs[v].f32 ? 4 : 2;
        for (int64_t o = 0; o < m.out; o += step) {
          const Mat part{std::min(step, m.out - o), m.in, static_cast<const char*>(m.w) + o * m.in * eb};
          vs[v].fn(part, x.data(), y.data() + o, vs[v].dist);
        }
      }
      if (r > 0) t[v].push_back(now() - t0);
    }
  }
  std::printf("%zu MiB f16 (f32 twice that), offset %zu, %s pages, %d rounds, %ld rows per call\n", bytes16 >> 20, offset, huge ? "huge" : "4 KiB", rounds, long(tile));
  for (size_t v = 0; v < vs.size(); ++v) {
    std::sort(t[v].begin(), t[v].end());
    const double med = t[v][t[v].size() / 2], best = t[v][0];
    const double b = double(bytes16) * (vs[v].f32 ? 2 : 1);
    std::printf("%-48s median %6.2f ms  %5.1f GB/s  (best %5.1f GB/s)\n", vs[v].name, med * 1e3, b / med / 1e9, b / best / 1e9);
  }
  return 0;
}
