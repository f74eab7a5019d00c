#include <algorithm>
#include <atomic>
#include <cstring>

#include "common/pool.h"
#include "common/scratch.h"
#include "kernels/dispatch.h"
#include "kernels/scan/scan.h"

namespace attnscan {

namespace {
// Tasks are (batch row, channel block); blocks restart at every group boundary so a task reads
// one B/C row per step.
Result run(const ScanArgs& a, ScanFn fn) {
  const int64_t per_group = a.dim / a.groups;
  const int64_t blocks_per_group = (per_group + kScanBlock - 1) / kScanBlock;
  const int64_t blocks = a.groups * blocks_per_group;
  const int64_t tasks = a.batch * blocks;
  if (tasks == 0) return {};
  if (a.seq_len == 0) {
    const size_t n = size_t(a.batch * a.dim * a.d_state);
    if (a.state) std::memcpy(a.last_state, a.state, n * sizeof(float));
    else std::memset(a.last_state, 0, n * sizeof(float));
    return {};
  }
  const int64_t per_task = 2 * a.d_state * kScanBlock;
  std::atomic<bool> oom{false};
  parallel_for(tasks, [&](int64_t task) {
    float* scratch = thread_scratch(size_t(per_task));
    if (!scratch) {
      oom.store(true, std::memory_order_relaxed);
      return;
    }
    const int64_t b = task / blocks, blk = task % blocks;
    const int64_t g = blk / blocks_per_group, j = blk % blocks_per_group;
    const int64_t d0 = g * per_group + j * kScanBlock;
    const int64_t d1 = std::min(d0 + kScanBlock, (g + 1) * per_group);
    fn(a, b, d0, d1, scratch);
  });
  if (oom.load()) return Result::fail(Status::oom, "selectiveScan: out of memory for the scan scratch");
  return {};
}
}  // namespace

Result scan_selective_f32(const ScanArgs& a) {
  const ScanFn fn = pick<ScanFn>(scan_selective_f32_ref, ATTNSCAN_X86(scan_selective_f32_avx2),
                                 ATTNSCAN_X86(scan_selective_f32_avx512), ATTNSCAN_ARM(scan_selective_f32_neon));
  return run(a, fn);
}

Result scan_step_f32(const ScanArgs& a) {
  if (a.seq_len != 1) return Result::fail(Status::internal, "selectiveScan: the step kernel takes one token");
  const ScanFn fn = pick<ScanFn>(scan_step_f32_ref, ATTNSCAN_X86(scan_step_f32_avx2),
                                 ATTNSCAN_X86(scan_step_f32_avx512), ATTNSCAN_ARM(scan_step_f32_neon));
  return run(a, fn);
}

}  // namespace attnscan
