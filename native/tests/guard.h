// Output buffers with guard words on both sides (ggml-style sentinels): masked tails and row splits
// must write exactly [0, n) and nothing around it.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "tests/check.h"

namespace attnscan::test {

class Guarded {
 public:
  static constexpr size_t kPad = 24;
  static constexpr float kGuard = 1234.5f;
  explicit Guarded(size_t n) : n_(n), buf_(n + 2 * kPad, kGuard) {}
  float* data() { return buf_.data() + kPad; }
  size_t size() const { return n_; }
  // Counts a failure if any guard word changed.
  void check(const std::string& label) {
    for (size_t i = 0; i < buf_.size(); ++i) {
      if ((i < kPad || i >= kPad + n_) && buf_[i] != kGuard) {
        std::fprintf(stderr, "  FAIL %s: guard word %lld overwritten (%.9g)\n", label.c_str(), static_cast<long long>(i) - static_cast<long long>(kPad), buf_[i]);
        ++failures();
        return;
      }
    }
  }

 private:
  size_t n_;
  std::vector<float> buf_;
};

}  // namespace attnscan::test
