// A minimal native test harness: kernels' ISA variants against their _ref oracle, without Node.
// Built by scripts/native-test.sh for the host (also under ASan+UBSan) and for arm64 (run under
// qemu-aarch64). Each <family>_test.cc registers cases with ATTNSCAN_TEST.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "kernels/dispatch.h"

namespace attnscan::test {

struct Case {
  const char* name;
  std::function<void()> fn;
};

inline std::vector<Case>& cases() {
  static std::vector<Case> c;
  return c;
}
inline int& failures() {
  static int f = 0;
  return f;
}
struct Registrar {
  Registrar(const char* name, std::function<void()> fn) { cases().push_back({name, std::move(fn)}); }
};

// Seeded uniform/normal generator (splitmix64), so failures reproduce.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  float uniform(float lo, float hi) { return lo + (hi - lo) * float(next() >> 40) / float(1ull << 24); }
  float normal() {
    float u = 1.0f - uniform(0.0f, 1.0f), v = uniform(0.0f, 1.0f);
    return std::sqrt(-2.0f * std::log(u)) * std::cos(6.2831853f * v);
  }
  std::vector<float> normals(size_t n, float scale = 1.0f) {
    std::vector<float> out(n);
    for (auto& x : out) x = normal() * scale;
    return out;
  }

 private:
  uint64_t s_;
};

// |a - e| <= atol + rtol |e| everywhere, NaN where and only where e is NaN.
inline bool expect_close(const float* a, const float* e, size_t n, float atol, float rtol, const std::string& label) {
  for (size_t i = 0; i < n; ++i) {
    const bool an = std::isnan(a[i]), en = std::isnan(e[i]);
    const bool bad = an != en || (!en && !(std::fabs(a[i] - e[i]) <= atol + rtol * std::fabs(e[i])) && a[i] != e[i]);
    if (bad) {
      std::fprintf(stderr, "  FAIL %s[%zu]: got %.9g expected %.9g\n", label.c_str(), i, a[i], e[i]);
      ++failures();
      return false;
    }
  }
  return true;
}

// ISAs other than scalar that this build + CPU can run (the ones to compare with the oracle).
inline std::vector<Isa> simd_isas() {
  std::vector<Isa> out;
  for (Isa isa : supported_isas())
    if (isa != Isa::scalar) out.push_back(isa);
  return out;
}

}  // namespace attnscan::test

#define ATTNSCAN_TEST_CAT2(a, b) a##b
#define ATTNSCAN_TEST_CAT(a, b) ATTNSCAN_TEST_CAT2(a, b)
#define ATTNSCAN_TEST(name)                                                                     \
  static void ATTNSCAN_TEST_CAT(test_fn_, __LINE__)();                                          \
  static ::attnscan::test::Registrar ATTNSCAN_TEST_CAT(test_reg_, __LINE__)(name, ATTNSCAN_TEST_CAT(test_fn_, __LINE__)); \
  static void ATTNSCAN_TEST_CAT(test_fn_, __LINE__)()
