// Kernel scratch comes from scratch_malloc: plain malloc, except that ATTNSCAN_TEST_FAIL_ALLOC=1 in
// the environment (read once) makes it fail every time, so tests can drive each kernel's
// out-of-memory path (Status::oom -> OutOfMemoryError in JS) on a machine whose overcommitting
// malloc never fails. Free with std::free.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace attnscan {

inline bool alloc_fails_for_testing() {
  static const bool fail = [] {
    const char* e = std::getenv("ATTNSCAN_TEST_FAIL_ALLOC");
    return e != nullptr && std::strcmp(e, "1") == 0;
  }();
  return fail;
}

inline void* scratch_malloc(size_t bytes) { return alloc_fails_for_testing() ? nullptr : std::malloc(bytes); }

}  // namespace attnscan
