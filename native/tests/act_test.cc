#include "kernels/act/act.h"
#include "tests/check.h"

namespace attnscan {

ATTNSCAN_TEST("act: every ISA matches the reference") {
  test::Rng rng(7);
  for (int64_t n : {1, 3, 4, 7, 8, 15, 16, 17, 31, 100, 1023}) {
    std::vector<float> x = rng.normals(size_t(n), 4.0f);
    if (n > 4) x[2] = NAN;
    for (ActKind kind : {ActKind::silu, ActKind::gelu, ActKind::gelu_tanh, ActKind::relu}) {
      std::vector<float> ref(static_cast<size_t>(n)), got(static_cast<size_t>(n));
      act_apply_f32_ref(kind, x.data(), ref.data(), n);
      for (Isa isa : test::simd_isas()) {
        force_isa(isa);
        act_apply_f32(kind, x.data(), got.data(), n);
        test::expect_close(got.data(), ref.data(), size_t(n), 2e-6f, 1e-5f,
                           std::string("act/") + isa_name(isa) + "/kind" + std::to_string(int(kind)) + "/n" + std::to_string(n));
      }
    }
  }
}

}  // namespace attnscan
