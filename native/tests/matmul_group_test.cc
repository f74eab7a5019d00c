#include <cmath>

#include "common/half.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/matmul/matmul.h"
#include "tests/check.h"

namespace attnscan {
namespace {

// The parts' weights (f16 bits kept alongside, so one buffer serves either dtype).
struct Part {
  std::vector<float> wf, bias, ref, got;
  std::vector<uint16_t> wh;
  int64_t out;
};

Part make_part(test::Rng& rng, int64_t rows, int64_t in, int64_t out) {
  Part p;
  p.out = out;
  p.wf = rng.normals(size_t(out * in), 1.0f / std::sqrt(float(std::max<int64_t>(in, 1))));
  p.wh.resize(p.wf.size());
  for (size_t i = 0; i < p.wf.size(); ++i) p.wh[i] = f32_to_f16(p.wf[i]);
  p.bias = rng.normals(size_t(out));
  p.ref.resize(size_t(rows * out));
  p.got.resize(size_t(rows * out) + 16);
  return p;
}

LinearArgs args_of(Part& p, const std::vector<float>& x, int64_t rows, int64_t in, WeightType wt, bool bias, float* y) {
  return LinearArgs{x.data(), wt == WeightType::f32 ? static_cast<const void*>(p.wf.data()) : p.wh.data(), wt,
                    bias ? p.bias.data() : nullptr, y, rows, in, p.out};
}

bool guard_ok(const std::vector<float>& v, size_t n, const std::string& label) {
  for (size_t i = n; i < v.size(); ++i) {
    if (v[i] != 12345.0f) {
      std::fprintf(stderr, "  FAIL %s: guard word %zu overwritten\n", label.c_str(), i - n);
      ++test::failures();
      return false;
    }
  }
  return true;
}

void check_group(test::Rng& rng, int64_t rows, int64_t in, std::vector<int64_t> outs, WeightType wt) {
  std::vector<float> x = rng.normals(size_t(rows * in));
  std::vector<Part> parts;
  for (int64_t o : outs) parts.push_back(make_part(rng, rows, in, o));
  std::vector<LinearArgs> a;
  for (size_t i = 0; i < parts.size(); ++i) {
    LinearArgs r = args_of(parts[i], x, rows, in, wt, i % 2 == 0, parts[i].ref.data());
    matmul_gemm_tile_ref(r, 0, rows, 0, r.out, nullptr);
    a.push_back(args_of(parts[i], x, rows, in, wt, i % 2 == 0, parts[i].got.data()));
  }
  const float tol = 2e-5f * std::sqrt(float(std::max<int64_t>(in, 1)));
  for (Isa isa : supported_isas()) {
    force_isa(isa);
    for (Part& p : parts) std::fill(p.got.begin(), p.got.end(), 12345.0f);
    Result r = matmul_linear_group(a.data(), int(a.size()));
    const std::string label = std::string("linear_group/") + isa_name(isa) + "/r" + std::to_string(rows) + "_in" + std::to_string(in) +
                              (wt == WeightType::f32 ? "_f32" : "_f16");
    if (!r.ok()) {
      std::fprintf(stderr, "  FAIL %s: %s\n", label.c_str(), r.message.c_str());
      ++test::failures();
      continue;
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      const size_t n = size_t(rows * parts[i].out);
      test::expect_close(parts[i].got.data(), parts[i].ref.data(), n, tol, tol, label + "/part" + std::to_string(i));
      guard_ok(parts[i].got, n, label);
    }
  }
  force_isa(best_isa());
}

void check_gated(test::Rng& rng, int64_t rows, int64_t in, int64_t out, WeightType wt, ActKind act) {
  std::vector<float> x = rng.normals(size_t(rows * in));
  Part g = make_part(rng, rows, in, out), u = make_part(rng, rows, in, out);
  LinearArgs ga = args_of(g, x, rows, in, wt, true, g.ref.data()), ua = args_of(u, x, rows, in, wt, false, u.ref.data());
  matmul_gemm_tile_ref(ga, 0, rows, 0, out, nullptr);
  matmul_gemm_tile_ref(ua, 0, rows, 0, out, nullptr);
  std::vector<float> want(size_t(rows * out)), h(size_t(rows * out) + 16);
  elementwise_gated_f32_ref(act, g.ref.data(), u.ref.data(), want.data(), int64_t(want.size()));
  // Both y pointers are ignored: null proves it.
  ga.y = nullptr;
  ua.y = nullptr;
  const float tol = 4e-5f * std::sqrt(float(std::max<int64_t>(in, 1)));
  for (Isa isa : supported_isas()) {
    force_isa(isa);
    std::fill(h.begin(), h.end(), 12345.0f);
    const std::string label = std::string("gated_linear/") + isa_name(isa) + "/r" + std::to_string(rows) + "_in" + std::to_string(in) +
                              "_out" + std::to_string(out) + "_act" + std::to_string(int(act));
    Result r = matmul_gated_linear(ga, ua, act, h.data());
    if (!r.ok()) {
      std::fprintf(stderr, "  FAIL %s: %s\n", label.c_str(), r.message.c_str());
      ++test::failures();
      continue;
    }
    test::expect_close(h.data(), want.data(), want.size(), tol, tol, label);
    guard_ok(h, want.size(), label);
  }
  force_isa(best_isa());
}

}  // namespace

ATTNSCAN_TEST("matmul group: q/k/v-style groups match the reference per part (GEMV and GEMM rows)") {
  test::Rng rng(21);
  for (WeightType wt : {WeightType::f32, WeightType::f16}) {
    check_group(rng, 1, 17, {7, 33, 1}, wt);
    check_group(rng, 1, 256, {130, 64, 65}, wt);  // over the pool threshold, slices cross parts
    check_group(rng, 3, 100, {33, 7, 130}, wt);
    check_group(rng, 8, 33, {16, 16}, wt);
    check_group(rng, 9, 40, {70, 5}, wt);     // GEMV blocks of 8 + 1 rows
    check_group(rng, 16, 300, {130, 64}, wt);  // two full blocks, over the pool threshold
    check_group(rng, 17, 40, {70, 5}, wt);    // GEMM fallback
    check_group(rng, 2, 0, {3, 2}, wt);    // empty input axis: bias only
  }
}

ATTNSCAN_TEST("matmul gated: act(x·gateᵀ + b) * (x·upᵀ) matches the reference for every activation") {
  test::Rng rng(22);
  for (ActKind act : {ActKind::silu, ActKind::gelu, ActKind::gelu_tanh}) {
    for (WeightType wt : {WeightType::f32, WeightType::f16}) {
      check_gated(rng, 1, 17, 7, wt, act);
      check_gated(rng, 1, 256, 200, wt, act);
      check_gated(rng, 5, 100, 65, wt, act);
      check_gated(rng, 8, 33, 130, wt, act);
      check_gated(rng, 12, 40, 70, wt, act);   // GEMV blocks of 8 + 4 rows
      check_gated(rng, 16, 300, 130, wt, act);  // two full blocks, over the pool threshold
      check_gated(rng, 17, 40, 70, wt, act);   // GEMM path with temporaries
    }
  }
}

}  // namespace attnscan
