#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "common/alloc.h"
#include "common/pool.h"
#include "kernels/dispatch.h"
#include "kernels/matmul/matmul.h"

namespace attnscan {
namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// Each thread keeps its GEMM scratch (about 1.3 MB) for its lifetime: pool threads live as long
// as the addon, and a fresh allocation per call would page-fault the whole buffer every time.
// Aligned by hand (64 bytes, for the packed panels' aligned loads): plain malloc is portable.
float* thread_scratch() {
  thread_local std::unique_ptr<void, FreeDeleter> raw;
  thread_local float* aligned = nullptr;
  if (!aligned) {
    raw.reset(scratch_malloc(sizeof(float) * size_t(kGemmScratchFloats) + 64));
    if (!raw) return nullptr;
    aligned = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(raw.get()) + 63) & ~uintptr_t(63));
  }
  return aligned;
}

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

Result gemv(const LinearArgs& a) {
  const GemvTileFn fn = pick<GemvTileFn>(matmul_gemv_tile_ref, ATTNSCAN_X86(matmul_gemv_tile_avx2),
                                         ATTNSCAN_X86(matmul_gemv_tile_avx512), ATTNSCAN_ARM(matmul_gemv_tile_neon));
  // Below ~64 KB of weights a thread hand-off costs more than streaming them.
  const int64_t wbytes = a.out * a.in * (a.wtype == WeightType::f32 ? 4 : 2);
  const int64_t tasks = wbytes < (int64_t(1) << 16) ? 1 : std::min<int64_t>(4 * num_threads(), ceil_div(a.out, 16));
  int64_t chunk = round_up(ceil_div(a.out, tasks), 16);
  // Row blocks after the first re-read the task's W slice: small enough to still be in L2.
  if (a.rows > kGemvMaxRows) chunk = std::min(chunk, round_up(std::max<int64_t>(1, (int64_t(1) << 18) * a.out / wbytes), 16));
  parallel_for(ceil_div(a.out, chunk), [&](int64_t t) {
    for (int64_t r0 = 0; r0 < a.rows; r0 += kGemvMaxRows) fn(gemv_row_block(a, r0), t * chunk, std::min(a.out, (t + 1) * chunk));
  });
  return {};
}

Result gemm(const LinearArgs& a) {
  const GemmTileFn fn = pick<GemmTileFn>(matmul_gemm_tile_ref, ATTNSCAN_X86(matmul_gemm_tile_avx2),
                                         ATTNSCAN_X86(matmul_gemm_tile_avx512), ATTNSCAN_ARM(matmul_gemm_tile_neon));
  // Tiles span all rows and a slice of the outputs, so each W panel is converted and packed
  // once; rows are split too only when there are too few output slices to feed every thread.
  const int64_t want = a.rows * a.in * a.out < (int64_t(1) << 18) ? 1 : 2 * int64_t(num_threads());
  const int64_t nc = std::min(kNcMax, round_up(ceil_div(a.out, want), 32));
  const int64_t nt = ceil_div(a.out, nc);
  const int64_t mt = nt >= want ? 1 : std::min(ceil_div(want, nt), ceil_div(a.rows, 16));
  const int64_t mc = ceil_div(a.rows, mt);
  std::atomic<bool> oom{false};
  parallel_for(nt * ceil_div(a.rows, mc), [&](int64_t t) {
    float* scratch = thread_scratch();
    if (!scratch) {
      oom.store(true, std::memory_order_relaxed);
      return;
    }
    const int64_t r0 = (t / nt) * mc, o0 = (t % nt) * nc;
    fn(a, r0, std::min(a.rows, r0 + mc), o0, std::min(a.out, o0 + nc), scratch);
  });
  if (oom.load()) return Result::fail(Status::oom, "linear: out of memory for the GEMM scratch buffer");
  return {};
}

}  // namespace

Result matmul_linear(const LinearArgs& a) {
  if (a.rows == 0 || a.out == 0) return {};
  if (a.in == 0) {
    for (int64_t r = 0; r < a.rows; ++r)
      for (int64_t o = 0; o < a.out; ++o)
        a.y[r * a.out + o] = (a.bias ? a.bias[o] : 0.0f) + (a.residual ? a.residual[r * a.out + o] : 0.0f);
    return {};
  }
  return a.rows <= kGemvBlockedMaxRows ? gemv(a) : gemm(a);
}

}  // namespace attnscan
