#include <algorithm>
#include <cstring>
#include <string>

#include "common/pool.h"
#include "kernels/dispatch.h"
#include "kernels/embedding/embedding.h"

namespace attnscan {

Result embedding_gather(const void* table, WeightDtype dtype, int64_t vocab, int64_t dim, const int32_t* ids,
                        int64_t count, float* y) {
  for (int64_t t = 0; t < count; ++t) {
    if (ids[t] < 0 || ids[t] >= vocab) {
      return Result::fail(Status::range, "embedding: ids[" + std::to_string(t) + "] = " + std::to_string(ids[t]) +
                                             " is outside [0, " + std::to_string(vocab) + ")");
    }
  }
  if (count <= 0 || dim <= 0) return {};
  const EmbeddingRowFn fn = pick<EmbeddingRowFn>(embedding_row_f32_ref, ATTNSCAN_X86(embedding_row_f32_avx2),
                                                 ATTNSCAN_X86(embedding_row_f32_avx512), ATTNSCAN_ARM(embedding_row_f32_neon));
  // ~32K elements per task: a gather is a copy, so only large batches are worth splitting.
  const int64_t per = std::max<int64_t>(1, (int64_t(1) << 15) / dim);
  const int64_t tasks = (count + per - 1) / per;
  parallel_for(tasks, [&](int64_t task) {
    const int64_t end = std::min(count, (task + 1) * per);
    for (int64_t t = task * per; t < end; ++t) {
      const int64_t off = int64_t(ids[t]) * dim;
      if (dtype == WeightDtype::f32) {
        std::memcpy(y + t * dim, static_cast<const float*>(table) + off, size_t(dim) * sizeof(float));
      } else {
        fn(static_cast<const uint16_t*>(table) + off, dtype, dim, y + t * dim);
      }
    }
  });
  return {};
}

}  // namespace attnscan
