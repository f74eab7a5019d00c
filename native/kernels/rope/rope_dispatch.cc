#include <algorithm>
#include <cstdlib>

#include "common/alloc.h"
#include "common/pool.h"
#include "kernels/dispatch.h"
#include "kernels/rope/rope.h"

namespace attnscan {

Result rope_apply_f32(const float* x, float* y, int64_t tokens, const int32_t* positions, const float* inv_freq, const RopeParams& p,
                      const RopeTensor& k) {
  if (tokens <= 0 || p.heads + k.heads <= 0 || p.head_dim <= 0) return {};
  const RopeFn fn = pick<RopeFn>(rope_apply_f32_ref, ATTNSCAN_X86(rope_apply_f32_avx2), ATTNSCAN_X86(rope_apply_f32_avx512),
                                 ATTNSCAN_ARM(rope_apply_f32_neon));
  // ~16K elements per task; each task owns a slice of scratch for its cos/sin tables.
  const int64_t per_token = (p.heads + k.heads) * p.head_dim;
  const int64_t per = std::max<int64_t>(1, (int64_t(1) << 14) / per_token);
  const int64_t tasks = (tokens + per - 1) / per;
  const int64_t stride = 4 * p.rotary_dim + 16;
  float* scratch = static_cast<float*>(scratch_malloc(size_t(tasks * stride) * sizeof(float)));
  if (!scratch) return Result::fail(Status::oom, "rope: out of memory for the cos/sin tables");
  parallel_for(tasks, [&](int64_t t) {
    const int64_t t0 = t * per;
    const int64_t xo = t0 * p.heads * p.head_dim, ko = t0 * k.heads * p.head_dim;
    const RopeTensor kt = k.heads ? RopeTensor{k.x + ko, k.y + ko, k.heads} : RopeTensor{};
    fn(x + xo, y + xo, std::min(per, tokens - t0), positions + t0, inv_freq, p, scratch + t * stride, kt);
  });
  std::free(scratch);
  return {};
}

}  // namespace attnscan
