#include "kernels/elementwise/elementwise.h"
#include "tests/check.h"
#include "tests/guard.h"

namespace attnscan {

ATTNSCAN_TEST("elementwise: add/mul exact on every ISA, with and without broadcasting") {
  test::Rng rng(13);
  for (int64_t n : {1, 3, 7, 8, 15, 16, 17, 33, 100}) {
    for (int64_t rows : {1, 5}) {
      const size_t size = size_t(rows * n);
      std::vector<float> a = rng.normals(size), b = rng.normals(size), ref(size), got(size);
      for (BinaryKind kind : {BinaryKind::add, BinaryKind::mul}) {
        for (int64_t b_rows : {rows, int64_t(1)}) {
          elementwise_binary_f32_ref(kind, a.data(), b.data(), ref.data(), rows, n, b_rows == 1 ? 0 : n);
          for (Isa isa : supported_isas()) {
            force_isa(isa);
            test::Guarded guarded(size);
            elementwise_binary_f32(kind, a.data(), b.data(), guarded.data(), rows, n, b_rows);
            guarded.check(std::string("binary guard/") + isa_name(isa));
            std::copy(guarded.data(), guarded.data() + size, got.begin());
            test::expect_close(got.data(), ref.data(), size, 0.0f, 0.0f,
                               std::string("binary/") + isa_name(isa) + "/k" + std::to_string(int(kind)) + "/b" + std::to_string(b_rows) + "/n" + std::to_string(n));
          }
        }
      }
    }
  }
}

ATTNSCAN_TEST("elementwise: gated activations match the reference on every ISA") {
  test::Rng rng(17);
  for (int64_t n : {1, 3, 7, 8, 15, 16, 17, 31, 1023, 1024, 1025, 3000}) {
    std::vector<float> g = rng.normals(size_t(n), 4.0f), up = rng.normals(size_t(n)), ref(static_cast<size_t>(n)), got(static_cast<size_t>(n));
    if (n > 4) g[2] = NAN;
    for (ActKind kind : {ActKind::silu, ActKind::gelu_tanh, ActKind::gelu}) {
      elementwise_gated_f32_ref(kind, g.data(), up.data(), ref.data(), n);
      for (Isa isa : test::simd_isas()) {
        force_isa(isa);
        test::Guarded guarded(static_cast<size_t>(n));
        elementwise_gated_f32(kind, g.data(), up.data(), guarded.data(), n);
        guarded.check(std::string("gated guard/") + isa_name(isa));
        std::copy(guarded.data(), guarded.data() + n, got.begin());
        test::expect_close(got.data(), ref.data(), size_t(n), 2e-6f, 1e-5f, std::string("gated/") + isa_name(isa) + "/k" + std::to_string(int(kind)) + "/n" + std::to_string(n));
      }
    }
  }
}

}  // namespace attnscan
