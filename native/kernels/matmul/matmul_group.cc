#include <algorithm>
#include <cstdlib>

#include "common/pool.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/matmul/matmul.h"

namespace attnscan {
namespace {

constexpr int kMaxParts = 8;
// Outputs per GEMV task: a multiple of every ISA's group width, small enough that a 2-thread pool
// gets several tasks from a 768-output projection, that the gated tasks' buffers (rows x kTask
// floats, twice) stay on the stack and that a gated task's two f32 W slices (the second block of
// 9..16 rows re-reads them) fit in a 1 MiB L2; large enough that the GEMV's row streams
// (matmul_gemv.h) run 32 rows before they restart.
constexpr int64_t kTask = 128;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

GemvTileFn gemv_fn() {
  return pick<GemvTileFn>(matmul_gemv_tile_ref, ATTNSCAN_X86(matmul_gemv_tile_avx2), ATTNSCAN_X86(matmul_gemv_tile_avx512),
                          ATTNSCAN_ARM(matmul_gemv_tile_neon));
}

int64_t weight_bytes(const LinearArgs& a) { return a.out * a.in * (a.wtype == WeightType::f32 ? 4 : 2); }

// Outputs [o0, o1) of a as a problem of its own (weights, bias and y start at o0; y is
// [rows, o1 - o0]), so a task can write them to a private buffer.
LinearArgs slice(const LinearArgs& a, int64_t o0, int64_t o1, float* y) {
  LinearArgs s = a;
  s.w = static_cast<const char*>(a.w) + o0 * a.in * (a.wtype == WeightType::f32 ? 4 : 2);
  s.bias = a.bias ? a.bias + o0 : nullptr;
  s.y = y;
  s.out = o1 - o0;
  return s;
}

}  // namespace

Result matmul_linear_group(const LinearArgs* parts, int n_parts) {
  if (n_parts <= 0 || parts[0].rows == 0) return {};
  if (n_parts > kMaxParts || parts[0].rows > kGemvBlockedMaxRows || parts[0].in == 0) {
    for (int i = 0; i < n_parts; ++i) {
      Result r = matmul_linear(parts[i]);
      if (!r.ok()) return r;
    }
    return {};
  }
  // Task t of part i covers outputs [t - first[i]) * kTask ...; first[n_parts] = total tasks.
  int64_t first[kMaxParts + 1];
  int64_t bytes = 0;
  first[0] = 0;
  for (int i = 0; i < n_parts; ++i) {
    first[i + 1] = first[i] + ceil_div(parts[i].out, kTask);
    bytes += weight_bytes(parts[i]);
  }
  const GemvTileFn fn = gemv_fn();
  auto task = [&](int64_t t) {
    int i = 0;
    while (t >= first[i + 1]) ++i;
    const int64_t o0 = (t - first[i]) * kTask;
    for (int64_t r0 = 0; r0 < parts[i].rows; r0 += kGemvMaxRows) fn(gemv_row_block(parts[i], r0), o0, std::min(parts[i].out, o0 + kTask));
  };
  // Below ~64 KB of weights a thread hand-off costs more than streaming them (as matmul_linear).
  if (bytes < (int64_t(1) << 16)) {
    for (int64_t t = 0; t < first[n_parts]; ++t) task(t);
  } else {
    parallel_for(first[n_parts], [&](int64_t t) { task(t); });
  }
  return {};
}

Result matmul_gated_linear(const LinearArgs& gate, const LinearArgs& up, ActKind act, float* h) {
  const int64_t rows = gate.rows, out = gate.out;
  if (rows == 0 || out == 0) return {};
  const GatedFn gated = pick<GatedFn>(elementwise_gated_f32_ref, ATTNSCAN_X86(elementwise_gated_f32_avx2),
                                      ATTNSCAN_X86(elementwise_gated_f32_avx512), ATTNSCAN_ARM(elementwise_gated_f32_neon));
  if (rows > kGemvBlockedMaxRows || gate.in == 0) {
    const size_t n = size_t(rows * out);
    float* tmp = static_cast<float*>(std::malloc(sizeof(float) * n * 2));
    if (!tmp) return Result::fail(Status::oom, "gatedLinear: out of memory for the gate and up products");
    LinearArgs g = gate, u = up;
    g.y = tmp;
    u.y = tmp + n;
    Result r = matmul_linear(g);
    if (r.ok()) r = matmul_linear(u);
    if (r.ok()) r = elementwise_gated_f32(act, g.y, u.y, h, int64_t(n));
    std::free(tmp);
    return r;
  }
  const GemvTileFn fn = gemv_fn();
  auto task = [&](int64_t t) {
    const int64_t o0 = t * kTask, o1 = std::min(out, o0 + kTask), w = o1 - o0;
    float g[kGemvMaxRows * kTask], u[kGemvMaxRows * kTask];
    for (int64_t r0 = 0; r0 < rows; r0 += kGemvMaxRows) {
      const LinearArgs gs = slice(gemv_row_block(gate, r0), o0, o1, g), us = slice(gemv_row_block(up, r0), o0, o1, u);
      fn(gs, 0, w);
      fn(us, 0, w);
      for (int64_t r = 0; r < gs.rows; ++r) gated(act, g + r * w, u + r * w, h + (r0 + r) * out + o0, w);
    }
  };
  const int64_t tasks = ceil_div(out, kTask);
  if (2 * weight_bytes(gate) < (int64_t(1) << 16)) {
    for (int64_t t = 0; t < tasks; ++t) task(t);
  } else {
    parallel_for(tasks, [&](int64_t t) { task(t); });
  }
  return {};
}

}  // namespace attnscan
