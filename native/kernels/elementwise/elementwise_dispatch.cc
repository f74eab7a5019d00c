#include <algorithm>

#include "common/pool.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise/elementwise.h"

namespace attnscan {
namespace {
// Below ~64K elements a thread hand-off costs more than a memory-bound pass (as in act).
constexpr int64_t kChunk = int64_t(1) << 16;
}  // namespace

Result elementwise_binary_f32(BinaryKind kind, const float* a, const float* b, float* y, int64_t rows, int64_t n, int64_t b_rows) {
  if (rows <= 0 || n <= 0) return {};
  const BinaryFn fn = pick<BinaryFn>(elementwise_binary_f32_ref, ATTNSCAN_X86(elementwise_binary_f32_avx2),
                                     ATTNSCAN_X86(elementwise_binary_f32_avx512), ATTNSCAN_ARM(elementwise_binary_f32_neon));
  if (b_rows == rows) {
    // Same shape: one flat vector, split anywhere.
    const int64_t total = rows * n, chunks = (total + kChunk - 1) / kChunk;
    parallel_for(chunks, [&](int64_t c) {
      const int64_t begin = c * kChunk;
      fn(kind, a + begin, b + begin, y + begin, 1, std::min(kChunk, total - begin), 0);
    });
    return {};
  }
  const int64_t per = std::max<int64_t>(1, kChunk / n);
  const int64_t tasks = (rows + per - 1) / per;
  parallel_for(tasks, [&](int64_t t) {
    const int64_t r0 = t * per;
    fn(kind, a + r0 * n, b, y + r0 * n, std::min(per, rows - r0), n, 0);
  });
  return {};
}

Result elementwise_gated_f32(ActKind kind, const float* gate, const float* up, float* y, int64_t n) {
  if (n <= 0) return {};
  const GatedFn fn = pick<GatedFn>(elementwise_gated_f32_ref, ATTNSCAN_X86(elementwise_gated_f32_avx2),
                                   ATTNSCAN_X86(elementwise_gated_f32_avx512), ATTNSCAN_ARM(elementwise_gated_f32_neon));
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  parallel_for(chunks, [&](int64_t c) {
    const int64_t begin = c * kChunk;
    fn(kind, gate + begin, up + begin, y + begin, std::min(kChunk, n - begin));
  });
  return {};
}

}  // namespace attnscan
