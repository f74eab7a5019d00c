#include <cstring>

#include "common/half.h"
#include "kernels/matmul/matmul.h"
#include "tests/check.h"
#include "tests/guard.h"

namespace attnscan {
namespace {

struct Problem {
  int64_t rows, in, out;
  WeightType wtype;
  bool bias;
};

std::string label(const Problem& p, const char* isa) {
  static const char* types[] = {"f32", "f16", "bf16"};
  return std::string("linear/") + isa + "/r" + std::to_string(p.rows) + "_in" + std::to_string(p.in) + "_out" +
         std::to_string(p.out) + "_" + types[int(p.wtype)] + (p.bias ? "_bias" : "");
}

// x, W (in the problem's stored type) and a bias drawn for one problem; args() points at them.
struct Operands {
  std::vector<float> x, wf, bias;
  std::vector<uint16_t> wh;
  Operands(const Problem& p, test::Rng& rng)
      : x(rng.normals(size_t(p.rows * p.in))),
        wf(rng.normals(size_t(p.out * p.in), 1.0f / std::sqrt(float(std::max<int64_t>(p.in, 1))))),
        bias(rng.normals(size_t(p.out))),
        wh(wf.size()) {
    for (size_t i = 0; i < wf.size(); ++i) wh[i] = p.wtype == WeightType::f16 ? f32_to_f16(wf[i]) : f32_to_bf16(wf[i]);
  }
  LinearArgs args(const Problem& p, float* y) const {
    return LinearArgs{x.data(), p.wtype == WeightType::f32 ? static_cast<const void*>(wf.data()) : wh.data(), p.wtype,
                      p.bias ? bias.data() : nullptr, y, p.rows, p.in, p.out};
  }
};

float tolerance(const Problem& p) { return 2e-5f * std::sqrt(float(std::max<int64_t>(p.in, 1))); }

void check(const Problem& p, test::Rng& rng) {
  const Operands ops(p, rng);
  const size_t ny = size_t(p.rows * p.out);
  std::vector<float> ref(ny);
  LinearArgs a = ops.args(p, ref.data());
  matmul_gemm_tile_ref(a, 0, p.rows, 0, p.out, nullptr);
  for (Isa isa : supported_isas()) {
    force_isa(isa);
    test::Guarded got(ny);
    a.y = got.data();
    const std::string what = label(p, isa_name(isa));
    Result r = matmul_linear(a);
    if (!r.ok()) {
      std::fprintf(stderr, "  FAIL %s: %s\n", what.c_str(), r.message.c_str());
      ++test::failures();
      continue;
    }
    test::expect_close(got.data(), ref.data(), ny, tolerance(p), tolerance(p), what);
    got.check(what);
  }
  force_isa(best_isa());
}

// The residual epilogue: the reference equals the plain product plus the residual; every ISA
// matches it with the residual in its own buffer and in place (residual == y, prefilled).
void check_residual(const Problem& p, test::Rng& rng) {
  const Operands ops(p, rng);
  const size_t ny = size_t(p.rows * p.out);
  std::vector<float> res = rng.normals(ny, 4.0f), plain(ny), ref(ny);
  LinearArgs a = ops.args(p, plain.data());
  matmul_gemm_tile_ref(a, 0, p.rows, 0, p.out, nullptr);
  a.y = ref.data();
  a.residual = res.data();
  matmul_gemm_tile_ref(a, 0, p.rows, 0, p.out, nullptr);
  for (size_t i = 0; i < ny; ++i) plain[i] += res[i];
  test::expect_close(ref.data(), plain.data(), ny, 1e-6f, 1e-6f, label(p, "ref") + "_residual");
  for (Isa isa : supported_isas()) {
    force_isa(isa);
    for (bool in_place : {false, true}) {
      test::Guarded got(ny);
      if (in_place) std::copy(res.begin(), res.end(), got.data());
      a.y = got.data();
      a.residual = in_place ? got.data() : res.data();
      if (!matmul_linear(a).ok()) ++test::failures();
      const std::string what = label(p, isa_name(isa)) + (in_place ? "_residual_in_place" : "_residual");
      test::expect_close(got.data(), ref.data(), ny, tolerance(p), tolerance(p), what);
      got.check(what);
    }
  }
  force_isa(best_isa());
}

}  // namespace

ATTNSCAN_TEST("matmul: the residual epilogue on every ISA (GEMV, blocked GEMV, GEMM; own buffer and in place)") {
  test::Rng rng(29);
  for (WeightType wt : {WeightType::f32, WeightType::f16, WeightType::bf16}) {
    for (int64_t rows : {1, 3, 8, 9, 16, 17, 130}) {
      check_residual({rows, 33, 17, wt, rows % 2 == 1}, rng);
      check_residual({rows, 100, 257, wt, rows % 2 == 0}, rng);
    }
    check_residual({181, 600, 1100, wt, true}, rng);
    check_residual({2, 1030, 70, wt, false}, rng);
  }
  float bias[3] = {1, 2, 3}, res[6] = {10, 20, 30, 40, 50, 60}, y[6];
  LinearArgs e{nullptr, nullptr, WeightType::f32, bias, y, 2, 0, 3, res};
  matmul_linear(e);
  const float want[6] = {11, 22, 33, 41, 52, 63};
  test::expect_close(y, want, 6, 0, 0, "linear/empty-in/residual");
}

ATTNSCAN_TEST("matmul: every ISA matches the reference (GEMV and GEMM, all weight types)") {
  test::Rng rng(11);
  const int64_t rows_list[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 64, 130};
  const int64_t dims[] = {1, 7, 15, 16, 17, 33, 100, 257};
  for (WeightType wt : {WeightType::f32, WeightType::f16, WeightType::bf16}) {
    for (size_t i = 0; i < sizeof rows_list / sizeof *rows_list; ++i) {
      for (size_t j = 0; j < sizeof dims / sizeof *dims; ++j) {
        const int64_t out = dims[(i + 3 * j) % 8];  // every in/out pairing across the rows
        check({rows_list[i], dims[j], out, wt, (i + j) % 2 == 0}, rng);
      }
    }
    // Several kKc slices, kMc blocks and GEMM tiles; a tile count that leaves edges everywhere.
    check({181, 600, 1100, wt, true}, rng);
    check({3, 1030, 70, wt, false}, rng);
    check({9, 2, 2100, wt, true}, rng);
  }
}

ATTNSCAN_TEST("matmul: empty axes write the bias or nothing") {
  float bias[3] = {1, 2, 3}, y[6] = {9, 9, 9, 9, 9, 9};
  LinearArgs a{nullptr, nullptr, WeightType::f32, bias, y, 2, 0, 3};
  for (Isa isa : supported_isas()) {
    force_isa(isa);
    std::fill(y, y + 6, 9.0f);
    matmul_linear(a);
    const float want[6] = {1, 2, 3, 1, 2, 3};
    test::expect_close(y, want, 6, 0, 0, std::string("linear/empty-in/") + isa_name(isa));
  }
  force_isa(best_isa());
}

ATTNSCAN_TEST("half: known f16 and bf16 values, round to nearest even") {
  struct { uint16_t h; float f; } f16[] = {
      {0x0000, 0.0f}, {0x3c00, 1.0f}, {0xbc00, -1.0f}, {0x7bff, 65504.0f}, {0x0400, 6.103515625e-5f},
      {0x0001, 5.9604644775390625e-8f}, {0x03ff, 6.097555160522461e-5f}, {0x3555, 0.333251953125f},
      {0x7c00, INFINITY}, {0xfc00, -INFINITY}};
  auto fail = [](const char* what, double a, double b) {
    std::fprintf(stderr, "  FAIL half %s: %.9g vs %.9g\n", what, a, b);
    ++test::failures();
  };
  for (auto& e : f16) {
    if (f16_to_f32(e.h) != e.f) fail("f16_to_f32", f16_to_f32(e.h), e.f);
    if (f32_to_f16(e.f) != e.h) fail("f32_to_f16", f32_to_f16(e.f), e.h);
  }
  if (!std::isnan(f16_to_f32(0x7e00)) || !std::isnan(f16_to_f32(0xfc01))) fail("f16 NaN", 0, 0);
  if ((f32_to_f16(NAN) & 0x7fff) != 0x7e00) fail("f32_to_f16(NaN)", f32_to_f16(NAN), 0x7e00);
  const struct { float f; uint16_t h; } rounding[] = {
      {1.0f + 0x1p-11f, 0x3c00}, {1.0f + 3 * 0x1p-11f, 0x3c02}, {1.0f + 0x1p-11f + 0x1p-20f, 0x3c01},
      {65519.99f, 0x7bff}, {65520.0f, 0x7c00}, {0x1p-25f, 0x0000}, {3 * 0x1p-25f, 0x0002},
      {0x1p-25f + 0x1p-35f, 0x0001}, {-0x1p-24f, 0x8001}, {1e10f, 0x7c00}};
  for (auto& e : rounding)
    if (f32_to_f16(e.f) != e.h) fail("f32_to_f16 rounding", f32_to_f16(e.f), e.h);
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = f16_to_f32(uint16_t(h));
    if (!std::isnan(f) && f32_to_f16(f) != h) {
      fail("f16 round trip", h, f32_to_f16(f));
      break;
    }
  }
  if (bf16_to_f32(0x3f80) != 1.0f || bf16_to_f32(0xc000) != -2.0f || bf16_to_f32(0x0001) != 0x1p-133f) fail("bf16_to_f32", 0, 0);
  if (f32_to_bf16(1.0f + 0x1p-8f) != 0x3f80 || f32_to_bf16(1.0f + 3 * 0x1p-8f) != 0x3f82 ||
      f32_to_bf16(1.0f + 0x1p-8f + 0x1p-20f) != 0x3f81 || f32_to_bf16(NAN) != 0x7fc0 || f32_to_bf16(3.4e38f) != 0x7f80)
    fail("f32_to_bf16", 0, 0);
}

}  // namespace attnscan
