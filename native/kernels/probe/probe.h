// Machine-peak probes for the benchmarks (bench/): how fast this CPU runs FP32 FMAs and streams
// memory, measured through the same ISA dispatch and thread pool as the kernels, so a kernel's
// "fraction of peak" compares like with like. Not a model kernel; no TS twin (a TS peak means nothing).
//
//   fma:   kAcc independent chains acc_j = acc_j * a + b per thread, `iters` times;
//          flops = 2 * lanes * kAcc * iters. kAcc covers FMA latency x issue width (4 cycles x 2
//          pipes on Zen 4/5 and recent Intel, x 4 pipes on big arm64 cores), so no chain stalls the
//          pipes; a = 1 - 2^-10, b = 2^-10 keep every chain near 1 (no overflow, no denormals).
//   read:  sum of x[n] with vector loads into several accumulators     bytes = 4 n
//   copy:  y[n] = x[n]                                                 bytes = 8 n
//   triad: y[n] = x[n] + s * z[n]                                      bytes = 12 n
//   (STREAM's convention: write-allocate traffic is not counted.)
#pragma once
#include <cstdint>

#include "common/status.h"

namespace attnscan {

// Runs iters iterations on the calling thread; returns the flops done and writes a value that
// depends on every chain to *sink (so no compiler can drop the work).
using ProbeFmaFn = double (*)(int64_t iters, float* sink);
double probe_fma_f32_ref(int64_t iters, float* sink);
double probe_fma_f32_avx2(int64_t iters, float* sink);
double probe_fma_f32_avx512(int64_t iters, float* sink);
double probe_fma_f32_neon(int64_t iters, float* sink);

using ProbeReadFn = float (*)(const float* x, int64_t n);
float probe_read_f32_ref(const float* x, int64_t n);
float probe_read_f32_avx2(const float* x, int64_t n);
float probe_read_f32_avx512(const float* x, int64_t n);
float probe_read_f32_neon(const float* x, int64_t n);

using ProbeCopyFn = void (*)(const float* x, float* y, int64_t n);
void probe_copy_f32_ref(const float* x, float* y, int64_t n);
void probe_copy_f32_avx2(const float* x, float* y, int64_t n);
void probe_copy_f32_avx512(const float* x, float* y, int64_t n);
void probe_copy_f32_neon(const float* x, float* y, int64_t n);

using ProbeTriadFn = void (*)(const float* x, const float* z, float s, float* y, int64_t n);
void probe_triad_f32_ref(const float* x, const float* z, float s, float* y, int64_t n);
void probe_triad_f32_avx2(const float* x, const float* z, float s, float* y, int64_t n);
void probe_triad_f32_avx512(const float* x, const float* z, float s, float* y, int64_t n);
void probe_triad_f32_neon(const float* x, const float* z, float s, float* y, int64_t n);

struct ProbeFmaResult {
  double gflops = 0;   // best repetition, all pool threads together
  double seconds = 0;  // wall time of that repetition
  float sink = 0;
};
// Dispatching entry: calibrates on one thread, then runs `reps` repetitions of about
// seconds / reps each on every pool thread and keeps the best.
Result probe_fma_f32(double seconds, int reps, ProbeFmaResult* out);

struct ProbeMemoryResult {
  double read_gbs = 0, copy_gbs = 0, triad_gbs = 0;  // best pass of each, 1 GB = 1e9 bytes
  float sink = 0;
};
// Dispatching entry: allocates `bytes` (touched in parallel first so pages are mapped), then
// `passes` timed passes of read (whole buffer), copy (halves) and triad (thirds) over the pool.
Result probe_memory_f32(int64_t bytes, int passes, ProbeMemoryResult* out);

}  // namespace attnscan
