#include "common/half.h"
#include "kernels/norm/norm.h"
#include "tests/check.h"
#include "tests/guard.h"

namespace attnscan {

ATTNSCAN_TEST("norm: every ISA matches the reference (rms and layer, f32/f16/bf16 weights)") {
  test::Rng rng(11);
  for (int64_t hidden : {1, 3, 7, 8, 15, 16, 17, 33, 100, 768}) {
    for (int64_t rows : {1, 3, 40}) {
      const size_t n = size_t(rows * hidden);
      std::vector<float> x = rng.normals(n, 2.0f), w = rng.normals(size_t(hidden)), b = rng.normals(size_t(hidden));
      for (auto& v : x) v += 5.0f;
      std::vector<uint16_t> wh(static_cast<size_t>(hidden)), wb(static_cast<size_t>(hidden));
      for (int64_t i = 0; i < hidden; ++i) {
        wh[size_t(i)] = f32_to_f16(w[size_t(i)]);
        wb[size_t(i)] = f32_to_bf16(w[size_t(i)]);
      }
      std::vector<float> wh32(static_cast<size_t>(hidden)), wb32(static_cast<size_t>(hidden));
      weight_to_f32(wh.data(), WeightDtype::f16, hidden, wh32.data());
      weight_to_f32(wb.data(), WeightDtype::bf16, hidden, wb32.data());
      struct W { const void* data; WeightDtype dt; const float* f32; const char* name; };
      const W weights[] = {{nullptr, WeightDtype::f32, nullptr, "none"}, {w.data(), WeightDtype::f32, w.data(), "f32"},
                           {wh.data(), WeightDtype::f16, wh32.data(), "f16"}, {wb.data(), WeightDtype::bf16, wb32.data(), "bf16"}};
      std::vector<float> ref(n);
      test::Guarded guarded(n);
      float* got = guarded.data();
      for (const W& wt : weights) {
        const std::string label = std::string("/w") + wt.name + "/rows" + std::to_string(rows) + "/h" + std::to_string(hidden);
        for (Isa isa : supported_isas()) {
          force_isa(isa);
          norm_rms_f32_ref(x.data(), ref.data(), rows, hidden, wt.f32, nullptr, 1e-6f);
          norm_rms_f32(x.data(), got, rows, hidden, wt.data, wt.dt, 1e-6f);
          test::expect_close(got, ref.data(), n, 2e-6f, 2e-6f, std::string("rms/") + isa_name(isa) + label);
          norm_layer_f32_ref(x.data(), ref.data(), rows, hidden, wt.f32, b.data(), 1e-5f);
          norm_layer_f32(x.data(), got, rows, hidden, wt.data, wt.dt, b.data(), WeightDtype::f32, 1e-5f);
          test::expect_close(got, ref.data(), n, 1e-5f, 2e-6f, std::string("layer/") + isa_name(isa) + label);
          guarded.check(std::string("norm guard/") + isa_name(isa) + label);
        }
      }
    }
  }
}

ATTNSCAN_TEST("norm: in place, constant rows and empty shapes") {
  for (Isa isa : supported_isas()) {
    force_isa(isa);
    std::vector<float> x(3 * 17, 4.0f);
    norm_rms_f32(x.data(), x.data(), 3, 17, nullptr, WeightDtype::f32, 0.0f);
    std::vector<float> ones(x.size(), 1.0f), zeros(x.size(), 0.0f);
    test::expect_close(x.data(), ones.data(), x.size(), 1e-6f, 0.0f, std::string("rms const/") + isa_name(isa));
    norm_layer_f32(x.data(), x.data(), 3, 17, nullptr, WeightDtype::f32, nullptr, WeightDtype::f32, 1e-5f);
    test::expect_close(x.data(), zeros.data(), x.size(), 0.0f, 0.0f, std::string("layer const/") + isa_name(isa));
    if (!norm_rms_f32(nullptr, nullptr, 0, 17, nullptr, WeightDtype::f32, 1e-6f).ok()) ++test::failures();
    if (!norm_layer_f32(nullptr, nullptr, 5, 0, nullptr, WeightDtype::f32, nullptr, WeightDtype::f32, 1e-6f).ok()) ++test::failures();
  }
}

}  // namespace attnscan
