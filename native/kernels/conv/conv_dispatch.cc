#include <algorithm>
#include <atomic>

#include "common/pool.h"
#include "common/scratch.h"
#include "kernels/conv/conv.h"
#include "kernels/dispatch.h"

namespace attnscan {

namespace {
Result run(const ConvArgs& a, ConvFn fn) {
  const int64_t blocks = (a.dim + kConvBlock - 1) / kConvBlock;
  const int64_t tasks = a.batch * blocks;
  // No token and no state to carry (width 1): no buffer is read or written, so an empty call that
  // claims a huge batch must not become a loop of billions of empty tasks (found by fuzz_mamba).
  if (tasks == 0 || (a.seq_len == 0 && a.width == 1)) return {};
  const int64_t per_task = 2 * a.width * kConvBlock;
  std::atomic<bool> oom{false};
  parallel_for(tasks, [&](int64_t task) {
    float* scratch = thread_scratch(size_t(per_task));
    if (!scratch) {
      oom.store(true, std::memory_order_relaxed);
      return;
    }
    const int64_t b = task / blocks, d0 = (task % blocks) * kConvBlock;
    fn(a, b, d0, std::min(d0 + kConvBlock, a.dim), scratch);
  });
  if (oom.load()) return Result::fail(Status::oom, "causalConv1d: out of memory for the conv scratch");
  return {};
}
}  // namespace

Result conv_causal_f32(const ConvArgs& a) {
  const ConvFn fn = pick<ConvFn>(conv_causal_f32_ref, ATTNSCAN_X86(conv_causal_f32_avx2),
                                 ATTNSCAN_X86(conv_causal_f32_avx512), ATTNSCAN_ARM(conv_causal_f32_neon));
  return run(a, fn);
}

Result conv_step_f32(const ConvArgs& a) {
  if (a.seq_len != 1) return Result::fail(Status::internal, "causalConv1d: the step kernel takes one token");
  const ConvFn fn = pick<ConvFn>(conv_step_f32_ref, ATTNSCAN_X86(conv_step_f32_avx2),
                                 ATTNSCAN_X86(conv_step_f32_avx512), ATTNSCAN_ARM(conv_step_f32_neon));
  return run(a, fn);
}

}  // namespace attnscan
