#include <cmath>
#include <limits>

#include "kernels/softmax/softmax.h"
#include "tests/check.h"
#include "tests/guard.h"

namespace attnscan {

ATTNSCAN_TEST("softmax: every ISA matches the reference, masked and NaN rows included") {
  test::Rng rng(5);
  const float ninf = -std::numeric_limits<float>::infinity();
  for (int64_t n : {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100, 1025}) {
    const int64_t rows = 6;
    std::vector<float> x = rng.normals(size_t(rows * n), 4.0f);
    for (int64_t i = 0; i < n; ++i) x[size_t(i)] = ninf;                        // row 0: fully masked
    for (int64_t i = n; i < 2 * n; i += 2) x[size_t(i)] = ninf;                 // row 1: every other masked
    x[size_t(2 * n + n / 2)] = NAN;                                             // row 2: a NaN
    for (int64_t i = 3 * n; i < 4 * n; ++i) x[size_t(i)] = i == 4 * n - 1 ? NAN : ninf;  // row 3: -inf and a NaN
    x[size_t(4 * n)] = 80.0f;                                                   // row 4: a large value
    std::vector<float> ref(x.size()), got(x.size());
    softmax_rows_f32_ref(x.data(), ref.data(), rows, n);
    if (!std::isnan(ref[size_t(3 * n)]) || ref[0] != 0.0f) {
      std::fprintf(stderr, "  FAIL softmax ref specials n%lld\n", static_cast<long long>(n));
      ++test::failures();
    }
    for (Isa isa : test::simd_isas()) {
      force_isa(isa);
      test::Guarded guarded(x.size());
      softmax_rows_f32(x.data(), guarded.data(), rows, n);
      guarded.check(std::string("softmax guard/") + isa_name(isa) + "/n" + std::to_string(n));
      std::copy(guarded.data(), guarded.data() + x.size(), got.begin());
      test::expect_close(got.data(), ref.data(), x.size(), 1e-7f, 2e-6f, std::string("softmax/") + isa_name(isa) + "/n" + std::to_string(n));
      std::vector<float> inplace = x;
      softmax_rows_f32(inplace.data(), inplace.data(), rows, n);
      test::expect_close(inplace.data(), got.data(), x.size(), 0.0f, 0.0f, std::string("softmax in place/") + isa_name(isa));
    }
  }
}

}  // namespace attnscan
