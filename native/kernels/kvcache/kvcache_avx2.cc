#include <immintrin.h>

#include "common/half.h"
#include "kernels/kvcache/kvcache.h"

namespace attnscan {

// F16C's vcvtps2ph rounds to nearest even and keeps subnormals, as the reference does.
void kv_store_f16_avx2(const float* src, uint16_t* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; ++i) dst[i] = f32_to_f16(src[i]);
}

}  // namespace attnscan
