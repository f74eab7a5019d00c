#include "common/half.h"
#include "kernels/kvcache/kvcache.h"

namespace attnscan {

void kv_store_f16_ref(const float* src, uint16_t* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = f32_to_f16(src[i]);
}

}  // namespace attnscan
