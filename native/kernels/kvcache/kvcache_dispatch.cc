#include <cstring>

#include "kernels/dispatch.h"
#include "kernels/kvcache/kvcache.h"

namespace attnscan {

Result kv_append(const KvAppendArgs& a) {
  const int64_t n = a.seq * a.row;
  if (n <= 0) return {};
  const F16StoreFn f16 = pick<F16StoreFn>(kv_store_f16_ref, ATTNSCAN_X86(kv_store_f16_avx2), ATTNSCAN_X86(kv_store_f16_avx512),
                                          ATTNSCAN_ARM(kv_store_f16_neon));
  for (int64_t b = 0; b < a.batch; ++b) {
    const int64_t src = b * n, dst = (b * a.capacity + a.at) * a.row;
    if (a.dtype == KvDtype::f16) {
      f16(a.k + src, static_cast<uint16_t*>(a.k_cache) + dst, n);
      f16(a.v + src, static_cast<uint16_t*>(a.v_cache) + dst, n);
    } else {
      std::memcpy(static_cast<float*>(a.k_cache) + dst, a.k + src, size_t(n) * sizeof(float));
      std::memcpy(static_cast<float*>(a.v_cache) + dst, a.v + src, size_t(n) * sizeof(float));
    }
  }
  return {};
}

}  // namespace attnscan
