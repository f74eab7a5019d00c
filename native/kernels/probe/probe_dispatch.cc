#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <new>
#include <vector>

#include "common/pool.h"
#include "kernels/dispatch.h"
#include "kernels/probe/probe.h"

namespace attnscan {
namespace {

double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// Tasks per pool thread: the pool hands tasks out dynamically, so a thread descheduled for a
// while by another process does not leave the others waiting at the end.
constexpr int64_t kTasksPerThread = 8;

}  // namespace

Result probe_fma_f32(double seconds, int reps, ProbeFmaResult* out) {
  const ProbeFmaFn fn = pick<ProbeFmaFn>(probe_fma_f32_ref, ATTNSCAN_X86(probe_fma_f32_avx2),
                                         ATTNSCAN_X86(probe_fma_f32_avx512), ATTNSCAN_ARM(probe_fma_f32_neon));
  // Calibrate on this thread until ~10 ms have passed (also warms up clocks and caches).
  float sink = 0;
  int64_t calib = 1 << 12;
  double t = 0;
  for (;;) {
    const double t0 = now_seconds();
    fn(calib, &sink);
    t = now_seconds() - t0;
    if (t > 0.01 || calib >= (int64_t(1) << 40)) break;
    calib *= 4;
  }
  const double iters_per_second = double(calib) / t;
  const int threads = num_threads();
  const int64_t n_tasks = kTasksPerThread * threads;
  const int64_t iters =
      std::max<int64_t>(1, int64_t(iters_per_second * seconds / double(std::max(1, reps)) / kTasksPerThread));
  std::vector<float> sinks(size_t(n_tasks), 0.0f);
  std::vector<double> flops(size_t(n_tasks), 0.0);
  for (int r = 0; r < std::max(1, reps); ++r) {
    const double t0 = now_seconds();
    parallel_for(n_tasks, [&](int64_t task) { flops[size_t(task)] = fn(iters, &sinks[size_t(task)]); });
    const double wall = now_seconds() - t0;
    double total = 0;
    for (double f : flops) total += f;
    const double gflops = total / wall * 1e-9;
    if (gflops > out->gflops) {
      out->gflops = gflops;
      out->seconds = wall;
    }
  }
  for (float s : sinks) sink += s;
  out->sink = sink;
  return {};
}

Result probe_memory_f32(int64_t bytes, int passes, ProbeMemoryResult* out) {
  const ProbeReadFn read = pick<ProbeReadFn>(probe_read_f32_ref, ATTNSCAN_X86(probe_read_f32_avx2),
                                             ATTNSCAN_X86(probe_read_f32_avx512), ATTNSCAN_ARM(probe_read_f32_neon));
  const ProbeCopyFn copy = pick<ProbeCopyFn>(probe_copy_f32_ref, ATTNSCAN_X86(probe_copy_f32_avx2),
                                             ATTNSCAN_X86(probe_copy_f32_avx512), ATTNSCAN_ARM(probe_copy_f32_neon));
  const ProbeTriadFn triad = pick<ProbeTriadFn>(probe_triad_f32_ref, ATTNSCAN_X86(probe_triad_f32_avx2),
                                                ATTNSCAN_X86(probe_triad_f32_avx512), ATTNSCAN_ARM(probe_triad_f32_neon));
  // 1 MiB chunks: large enough that each task streams, small enough to balance two threads.
  constexpr int64_t kChunk = int64_t(1) << 18;
  const int64_t n = std::max<int64_t>(kChunk * 3, bytes / int64_t(sizeof(float)) / kChunk * kChunk);
  float* x = static_cast<float*>(std::aligned_alloc(64, size_t(n) * sizeof(float)));
  if (!x) return Result::fail(Status::oom, "probeMemory: cannot allocate " + std::to_string(n * 4) + " bytes");
  const int64_t chunks = n / kChunk;
  // First touch from the pool, as a kernel's inputs would have been written.
  parallel_for(chunks, [&](int64_t c) {
    float* p = x + c * kChunk;
    for (int64_t i = 0; i < kChunk; ++i) p[i] = float((c + i) & 7) * 0.125f;
  });
  std::vector<float> sums(size_t(chunks), 0.0f);
  auto best = [&](double moved_bytes, auto&& body) {
    double gbs = 0;
    for (int p = 0; p < std::max(1, passes); ++p) {
      const double t0 = now_seconds();
      body();
      gbs = std::max(gbs, moved_bytes / (now_seconds() - t0) * 1e-9);
    }
    return gbs;
  };
  out->read_gbs = best(double(n) * 4, [&] {
    parallel_for(chunks, [&](int64_t c) { sums[size_t(c)] = read(x + c * kChunk, kChunk); });
  });
  const int64_t half = chunks / 2 * kChunk;
  out->copy_gbs = best(double(half) * 8, [&] {
    parallel_for(half / kChunk, [&](int64_t c) { copy(x + c * kChunk, x + half + c * kChunk, kChunk); });
  });
  const int64_t third = chunks / 3 * kChunk;
  out->triad_gbs = best(double(third) * 12, [&] {
    parallel_for(third / kChunk, [&](int64_t c) {
      triad(x + c * kChunk, x + third + c * kChunk, 0.5f, x + 2 * third + c * kChunk, kChunk);
    });
  });
  float sink = 0;
  for (float s : sums) sink += s;
  out->sink = sink;
  std::free(x);
  return {};
}

}  // namespace attnscan
