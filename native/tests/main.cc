#include <cstdio>

#include "tests/check.h"

int main() {
  using namespace attnscan;
  std::printf("native kernel tests: ISAs");
  for (Isa isa : supported_isas()) std::printf(" %s", isa_name(isa));
  std::printf("\n");
  int passed = 0, failed = 0;
  for (auto& c : test::cases()) {
    const int before = test::failures();
    c.fn();
    if (test::failures() == before) {
      ++passed;
    } else {
      ++failed;
      std::printf("FAILED %s\n", c.name);
    }
  }
  force_isa(best_isa());
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
