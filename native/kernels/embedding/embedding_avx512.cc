#include "common/simd_avx512.h"
#include "kernels/embedding/embedding.h"

namespace attnscan {
using namespace avx512;

void embedding_row_f32_avx512(const uint16_t* row, WeightDtype dtype, int64_t n, float* y) {
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(int(n - i < 16 ? n - i : 16));
    const __m512 v = dtype == WeightDtype::bf16 ? maskz_load_bf16(m, row + i) : maskz_load_f16(m, row + i);
    _mm512_mask_storeu_ps(y + i, m, v);
  }
}

}  // namespace attnscan
