#include <algorithm>

#include "common/pool.h"
#include "kernels/dispatch.h"
#include "kernels/softmax/softmax.h"

namespace attnscan {

Result softmax_rows_f32(const float* x, float* y, int64_t rows, int64_t n) {
  if (rows <= 0 || n <= 0) return {};
  const SoftmaxFn fn = pick<SoftmaxFn>(softmax_rows_f32_ref, ATTNSCAN_X86(softmax_rows_f32_avx2),
                                       ATTNSCAN_X86(softmax_rows_f32_avx512), ATTNSCAN_ARM(softmax_rows_f32_neon));
  // ~8K elements per task (exp makes an element dearer than in a norm).
  const int64_t per = std::max<int64_t>(1, (int64_t(1) << 13) / n);
  const int64_t tasks = (rows + per - 1) / per;
  parallel_for(tasks, [&](int64_t t) {
    const int64_t r0 = t * per;
    fn(x + r0 * n, y + r0 * n, std::min(per, rows - r0), n);
  });
  return {};
}

}  // namespace attnscan
