#include <cmath>
#include <cstring>
#include <limits>

#include "common/half.h"
#include "kernels/dispatch.h"
#include "kernels/kvcache/kvcache.h"
#include "tests/check.h"

namespace attnscan {

namespace {
void expect_bits(const std::vector<uint16_t>& got, const std::vector<uint16_t>& want, const std::string& label) {
  for (size_t i = 0; i < want.size(); ++i) {
    const bool both_nan = (want[i] & 0x7fffu) > 0x7c00u && (got[i] & 0x7fffu) > 0x7c00u;
    if (got[i] != want[i] && !both_nan) {
      std::fprintf(stderr, "  FAIL %s: [%zu] got 0x%04x, want 0x%04x\n", label.c_str(), i, got[i], want[i]);
      ++test::failures();
      return;
    }
  }
}
}  // namespace

ATTNSCAN_TEST("kvcache: f16 stores round as the reference on every ISA, specials and tails included") {
  test::Rng rng(11);
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t n : {1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 100}) {
    std::vector<float> src = rng.normals(size_t(n), 3.0f);
    const float specials[] = {0.0f, -0.0f, inf, -inf, NAN, 65504.0f, 65520.0f, 1e-7f, -3e-5f, 6.1e-5f, 2049.0f};
    for (size_t i = 0; i < src.size() && i < sizeof(specials) / sizeof(float); i += 2) src[i] = specials[i];
    std::vector<uint16_t> want(static_cast<size_t>(n));
    kv_store_f16_ref(src.data(), want.data(), n);
    for (Isa isa : test::simd_isas()) {
      force_isa(isa);
      // Through kv_append (f16, batch 1, at 0) so the dispatch is what is tested.
      std::vector<uint16_t> k(size_t(n) + 1, 0xabcd), v(size_t(n) + 1, 0xabcd);
      kv_append({src.data(), src.data(), k.data(), v.data(), KvDtype::f16, 1, 1, 1, 0, n});
      std::vector<uint16_t> got(k.begin(), k.begin() + n);
      expect_bits(got, want, std::string("kv f16/") + isa_name(isa) + "/n" + std::to_string(n));
      if (k[size_t(n)] != 0xabcd) {
        std::fprintf(stderr, "  FAIL kv f16/%s/n%lld wrote past the row\n", isa_name(isa), static_cast<long long>(n));
        ++test::failures();
      }
    }
  }
}

ATTNSCAN_TEST("kvcache: kv_append writes rows [at, at + seq) of each sequence and nothing else") {
  test::Rng rng(12);
  const int64_t batch = 2, seq = 3, cap = 7, at = 4, row = 5;
  std::vector<float> k = rng.normals(size_t(batch * seq * row), 1.0f), v = rng.normals(size_t(batch * seq * row), 1.0f);
  std::vector<float> kc(size_t(batch * cap * row), -1.0f), vc(size_t(batch * cap * row), -1.0f);
  kv_append({k.data(), v.data(), kc.data(), vc.data(), KvDtype::f32, batch, seq, cap, at, row});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < cap; ++t)
      for (int64_t j = 0; j < row; ++j) {
        const size_t c = size_t((b * cap + t) * row + j);
        const bool in = t >= at && t < at + seq;
        const size_t s = size_t((b * seq + (t - at)) * row + j);
        const float wk = in ? k[s] : -1.0f, wv = in ? v[s] : -1.0f;
        if (kc[c] != wk || vc[c] != wv) {
          std::fprintf(stderr, "  FAIL kv_append f32 b%lld t%lld j%lld\n", static_cast<long long>(b), static_cast<long long>(t),
                       static_cast<long long>(j));
          ++test::failures();
          return;
        }
      }
}

}  // namespace attnscan
