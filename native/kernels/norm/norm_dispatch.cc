#include <algorithm>
#include <cstdlib>

#include "common/alloc.h"
#include "common/pool.h"
#include "kernels/dispatch.h"
#include "kernels/norm/norm.h"

namespace attnscan {
namespace {

// f32 weights are used in place; f16/bf16 ones are widened into `owned` (freed by the caller).
const float* widen(const void* w, WeightDtype dt, int64_t n, float** owned, bool* oom) {
  if (!w || dt == WeightDtype::f32) return static_cast<const float*>(w);
  *owned = static_cast<float*>(scratch_malloc(size_t(n) * sizeof(float)));
  if (!*owned) {
    *oom = true;
    return nullptr;
  }
  weight_to_f32(w, dt, n, *owned);
  return *owned;
}

Result run_rows(NormFn fn, const float* x, float* y, int64_t rows, int64_t hidden, const void* weight,
                WeightDtype wdt, const void* bias, WeightDtype bdt, float eps) {
  if (rows <= 0 || hidden <= 0) return {};
  float* w_owned = nullptr;
  float* b_owned = nullptr;
  bool oom = false;
  const float* w = widen(weight, wdt, hidden, &w_owned, &oom);
  const float* b = widen(bias, bdt, hidden, &b_owned, &oom);
  if (!oom) {
    // ~16K elements per task: enough to amortise a hand-off, small enough to balance 512 rows.
    const int64_t per = std::max<int64_t>(1, (int64_t(1) << 14) / hidden);
    const int64_t tasks = (rows + per - 1) / per;
    parallel_for(tasks, [&](int64_t t) {
      const int64_t r0 = t * per, n = std::min(per, rows - r0);
      fn(x + r0 * hidden, y + r0 * hidden, n, hidden, w, b, eps);
    });
  }
  std::free(w_owned);
  std::free(b_owned);
  if (oom) return Result::fail(Status::oom, "norm: out of memory widening the weights");
  return {};
}

}  // namespace

Result norm_rms_f32(const float* x, float* y, int64_t rows, int64_t hidden, const void* weight, WeightDtype weight_dtype, float eps) {
  const NormFn fn = pick<NormFn>(norm_rms_f32_ref, ATTNSCAN_X86(norm_rms_f32_avx2), ATTNSCAN_X86(norm_rms_f32_avx512),
                                 ATTNSCAN_ARM(norm_rms_f32_neon));
  return run_rows(fn, x, y, rows, hidden, weight, weight_dtype, nullptr, WeightDtype::f32, eps);
}

Result norm_layer_f32(const float* x, float* y, int64_t rows, int64_t hidden, const void* weight, WeightDtype weight_dtype,
                      const void* bias, WeightDtype bias_dtype, float eps) {
  const NormFn fn = pick<NormFn>(norm_layer_f32_ref, ATTNSCAN_X86(norm_layer_f32_avx2), ATTNSCAN_X86(norm_layer_f32_avx512),
                                 ATTNSCAN_ARM(norm_layer_f32_neon));
  return run_rows(fn, x, y, rows, hidden, weight, weight_dtype, bias, bias_dtype, eps);
}

}  // namespace attnscan
