#include <algorithm>

#include "common/pool.h"
#include "kernels/act/act.h"
#include "kernels/dispatch.h"

namespace attnscan {

Result act_apply_f32(ActKind kind, const float* x, float* y, int64_t n) {
  const ActFn fn = pick<ActFn>(act_apply_f32_ref, ATTNSCAN_X86(act_apply_f32_avx2),
                               ATTNSCAN_X86(act_apply_f32_avx512), ATTNSCAN_ARM(act_apply_f32_neon));
  // Below ~64K elements a thread hand-off costs more than the work.
  constexpr int64_t kChunk = 1 << 16;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  parallel_for(chunks, [&](int64_t c) {
    const int64_t begin = c * kChunk, len = std::min(kChunk, n - begin);
    fn(kind, x + begin, y + begin, len);
  });
  return {};
}

}  // namespace attnscan
