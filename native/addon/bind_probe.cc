// Machine-peak probes for the benchmarks (not kernels; no TS twin):
//   probeFma({ seconds, reps, out: Float32Array[3] })     out = [GFLOP/s, seconds of the best rep, sink]
//   probeMemory({ bytes, passes, out: Float32Array[4] })  out = [read, copy, triad GB/s, sink]
// Both run on the current pool (setThreads) and the active ISA (forceIsa).
#include "addon/args.h"
#include "addon/registry.h"
#include "addon/worker.h"
#include "kernels/probe/probe.h"

namespace attnscan {
namespace {

Napi::Value ProbeFma(const Napi::CallbackInfo& info) {
  ArgReader a(info, "probeFma");
  const double seconds = a.number("seconds", 0.5);
  if (a.ok() && !(seconds > 0 && seconds <= 60)) a.fail(Status::range, "seconds must be in (0, 60]");
  const int reps = int(a.has("reps") ? a.dim("reps", 1, 100) : 3);
  float* out = a.f32("out", 3);
  return run_kernel(a, [=] {
    ProbeFmaResult r;
    Result s = probe_fma_f32(seconds, reps, &r);
    out[0] = float(r.gflops);
    out[1] = float(r.seconds);
    out[2] = r.sink;
    return s;
  });
}

Napi::Value ProbeMemory(const Napi::CallbackInfo& info) {
  ArgReader a(info, "probeMemory");
  // At least 3 MiB (three 1 MiB chunks for the triad), at most 64 GiB.
  const int64_t bytes = a.has("bytes") ? a.dim("bytes", int64_t(3) << 20, int64_t(1) << 36) : int64_t(512) << 20;
  const int passes = int(a.has("passes") ? a.dim("passes", 1, 1000) : 5);
  float* out = a.f32("out", 4);
  return run_kernel(a, [=] {
    ProbeMemoryResult r;
    Result s = probe_memory_f32(bytes, passes, &r);
    out[0] = float(r.read_gbs);
    out[1] = float(r.copy_gbs);
    out[2] = float(r.triad_gbs);
    out[3] = r.sink;
    return s;
  });
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("probeFma", Napi::Function::New(env, ProbeFma, "probeFma"));
  exports.Set("probeMemory", Napi::Function::New(env, ProbeMemory, "probeMemory"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
