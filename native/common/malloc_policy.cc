#include "common/malloc_policy.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace attnscan {
namespace {

#if defined(__GLIBC__)
// The user tuned glibc themselves: their settings win.
bool environment_sets_malloc() {
  for (const char* name : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr;
}
#endif

const char* decide_and_apply() {
  const char* mode = std::getenv("ATTNSCAN_MALLOC");
  if (mode != nullptr && std::strcmp(mode, "system") == 0) return "system (ATTNSCAN_MALLOC=system)";
  if (mode != nullptr && *mode != '\0' && std::strcmp(mode, "tuned") != 0) {
    return "system (ATTNSCAN_MALLOC is neither 'tuned' nor 'system')";
  }
#if defined(__SANITIZE_ADDRESS__)
  // The sanitizer's allocator replaces glibc's (mallopt does nothing there).
  return "system (AddressSanitizer's allocator)";
#elif defined(__GLIBC__)
  if (environment_sets_malloc()) return "system (the environment sets glibc malloc options)";
  constexpr int kMiB = 1 << 20;
  const bool ok = mallopt(M_MMAP_THRESHOLD, 32 * kMiB) == 1 && mallopt(M_TRIM_THRESHOLD, 128 * kMiB) == 1 &&
                  mallopt(M_TOP_PAD, 16 * kMiB) == 1;
  return ok ? "tuned" : "system (mallopt refused the settings)";
#else
  return "system (not glibc)";
#endif
}

}  // namespace

const char* apply_malloc_policy() {
  static std::once_flag once;
  static const char* state = nullptr;
  std::call_once(once, [] { state = decide_and_apply(); });
  return state;
}

}  // namespace attnscan
