#include <cstring>

#include "kernels/conv/conv.h"
#include "kernels/scan/scan.h"
#include "tests/check.h"

namespace attnscan {
namespace {

constexpr float kGuard = 12345.0f;

// Output buffer with guard words after its end: a kernel writing past it fails the test.
struct Out {
  std::vector<float> v;
  size_t n;
  explicit Out(size_t count) : v(count + 16, kGuard), n(count) {}
  float* data() { return v.data(); }
  bool guards_intact(const std::string& label) const {
    for (size_t i = n; i < v.size(); ++i) {
      if (v[i] != kGuard) {
        std::fprintf(stderr, "  FAIL %s: guard word %zu overwritten\n", label.c_str(), i - n);
        ++test::failures();
        return false;
      }
    }
    return true;
  }
};

struct Tol {
  float abs, rel;
};

// Runs the kernel on the scalar path for the reference outputs, then on every ISA (prefill, and for
// one token the step kernel too) into fresh guarded outputs compared with the reference.
// run(step, y, state) points the kernel's outputs at y and state and returns its Result.
template <class Run>
void check_every_isa(const std::string& name, bool one_token, size_t ys, size_t states, Tol y_tol, Tol state_tol,
                     Run run) {
  Out ry(ys), rs(states);
  force_isa(Isa::scalar);
  run(false, ry.data(), rs.data());
  for (Isa isa : supported_isas()) {
    force_isa(isa);
    for (bool step : {false, true}) {
      if (step && !one_token) continue;
      Out gy(ys), gs(states);
      const Result r = run(step, gy.data(), gs.data());
      const std::string label = name + "/" + isa_name(isa) + (step ? "/step" : "/prefill");
      if (!r.ok()) {
        std::fprintf(stderr, "  FAIL %s: %s\n", label.c_str(), r.message.c_str());
        ++test::failures();
        continue;
      }
      test::expect_close(gy.data(), ry.data(), ys, y_tol.abs, y_tol.rel, label + "/y");
      test::expect_close(gs.data(), rs.data(), states, state_tol.abs, state_tol.rel, label + "/state");
      gy.guards_intact(label + "/y");
      gs.guards_intact(label + "/state");
    }
  }
}

struct ScanShape {
  int64_t batch, seq_len, dim, d_state, groups;
  bool D, z, bias, softplus, state;
};

void check_scan(const ScanShape& s, uint64_t seed) {
  test::Rng rng(seed);
  const size_t tokens = size_t(s.batch * s.seq_len * s.dim), bc = size_t(s.batch * s.seq_len * s.groups * s.d_state);
  const size_t states = size_t(s.batch * s.dim * s.d_state);
  std::vector<float> u = rng.normals(tokens), delta(tokens), A(size_t(s.dim * s.d_state)), B = rng.normals(bc),
                     C = rng.normals(bc), D = rng.normals(size_t(s.dim)), z = rng.normals(tokens, 2.0f),
                     bias(size_t(s.dim)), state = rng.normals(states, 0.5f);
  for (auto& x : delta) x = s.softplus ? rng.normal() * 1.5f : rng.uniform(0.001f, 0.5f);
  for (size_t i = 0; s.softplus && i < delta.size(); i += 53) delta[i] = 25.0f;
  for (auto& x : A) x = -std::exp(rng.uniform(-1.0f, 2.8f));
  for (auto& x : bias) x = rng.uniform(-4.0f, -1.0f);
  if (tokens > 5) delta[5] = NAN;
  ScanArgs a{s.batch, s.seq_len, s.dim, s.d_state, s.groups, u.data(), delta.data(), A.data(), B.data(), C.data(),
             s.D ? D.data() : nullptr, s.z ? z.data() : nullptr, s.bias ? bias.data() : nullptr, s.softplus,
             s.state ? state.data() : nullptr, nullptr, nullptr};
  const std::string name = "scan/b" + std::to_string(s.batch) + "-L" + std::to_string(s.seq_len) + "-d" +
                           std::to_string(s.dim) + "-n" + std::to_string(s.d_state) + "-g" + std::to_string(s.groups);
  check_every_isa(name, s.seq_len == 1, tokens, states, {2e-5f, 2e-4f}, {2e-5f, 2e-4f},
                  [&](bool step, float* y, float* state) {
                    a.y = y;
                    a.last_state = state;
                    return step ? scan_step_f32(a) : scan_selective_f32(a);
                  });
}

struct ConvShape {
  int64_t batch, seq_len, dim, width;
  bool bias, state, silu;
};

void check_conv(const ConvShape& s, uint64_t seed) {
  test::Rng rng(seed);
  const size_t tokens = size_t(s.batch * s.seq_len * s.dim), states = size_t(s.batch * s.dim * (s.width - 1));
  std::vector<float> x = rng.normals(tokens), w = rng.normals(size_t(s.dim * s.width), 0.5f),
                     bias = rng.normals(size_t(s.dim)), state = rng.normals(states);
  if (tokens > 3) x[3] = NAN;
  ConvArgs a{s.batch, s.seq_len, s.dim, s.width, x.data(), w.data(), s.bias ? bias.data() : nullptr,
             s.state ? state.data() : nullptr, s.silu, nullptr, nullptr};
  const std::string name = "conv/b" + std::to_string(s.batch) + "-L" + std::to_string(s.seq_len) + "-d" +
                           std::to_string(s.dim) + "-w" + std::to_string(s.width);
  check_every_isa(name, s.seq_len == 1, tokens, states, {1e-6f, 1e-5f}, {0.0f, 0.0f},
                  [&](bool step, float* y, float* state) {
                    a.y = y;
                    a.new_state = state;
                    return step ? conv_step_f32(a) : conv_causal_f32(a);
                  });
}

}  // namespace

ATTNSCAN_TEST("scan: every ISA matches the reference (prefill and step)") {
  const ScanShape shapes[] = {
      {1, 1, 16, 16, 1, true, true, true, true, true},    {2, 1, 37, 16, 1, true, true, true, true, true},
      {1, 1, 70, 5, 2, true, true, false, false, false},   {1, 7, 12, 8, 1, false, false, false, false, false},
      {2, 5, 9, 16, 3, true, false, false, false, false},  {1, 13, 24, 16, 4, false, true, false, false, true},
      {2, 9, 17, 16, 1, false, false, true, true, false},  {1, 6, 33, 4, 1, false, false, false, true, true},
      {1, 3, 5, 1, 5, true, true, true, true, false},      {2, 17, 40, 16, 2, true, true, true, true, true},
      {1, 31, 67, 16, 1, true, true, true, true, false},   {1, 20, 48, 7, 3, true, true, true, true, true},
      {1, 8, 96, 32, 1, true, true, true, true, false},    {1, 40, 160, 16, 1, true, true, true, true, true},
      {1, 0, 16, 16, 1, true, true, true, true, true},
  };
  uint64_t seed = 11;
  for (const auto& s : shapes) check_scan(s, seed++);
}

ATTNSCAN_TEST("conv: every ISA matches the reference (prefill and step)") {
  const ConvShape shapes[] = {
      {1, 1, 16, 4, true, true, true},  {2, 1, 37, 4, true, false, true}, {2, 7, 12, 4, true, false, true},
      {1, 2, 9, 4, false, true, false}, {2, 9, 17, 3, true, true, true},  {1, 5, 33, 1, true, false, false},
      {1, 3, 8, 2, false, true, true},  {1, 40, 67, 4, true, true, true}, {1, 11, 64, 5, true, false, false},
      {2, 1, 100, 6, true, true, true}, {1, 0, 20, 4, true, true, true},
  };
  uint64_t seed = 101;
  for (const auto& s : shapes) check_conv(s, seed++);
}

}  // namespace attnscan
