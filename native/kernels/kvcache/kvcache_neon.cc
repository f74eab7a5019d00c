#include <arm_neon.h>

#include "common/half.h"
#include "kernels/kvcache/kvcache.h"

namespace attnscan {

// fcvtn rounds with the FPCR mode, round to nearest even by default (as Node leaves it).
void kv_store_f16_neon(const float* src, uint16_t* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1_u16(dst + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(src + i))));
  for (; i < n; ++i) dst[i] = f32_to_f16(src[i]);
}

}  // namespace attnscan
