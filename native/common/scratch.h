// Per-thread scratch kept between calls: a decode step must not pay for malloc (or, above the
// mmap threshold, for fresh zeroed pages) on every token. One buffer per thread, shared by the
// kernels that use it (a thread runs one kernel task at a time); freed when the thread exits.
#pragma once
#include <cstddef>
#include <cstdlib>

#include "common/alloc.h"

namespace attnscan {

// At least `floats` floats of this thread's scratch (contents unspecified); null when out of memory.
inline float* thread_scratch(size_t floats) {
  struct Buf {
    float* p = nullptr;
    size_t n = 0;
    ~Buf() { std::free(p); }
  };
  thread_local Buf buf;
  if (buf.n < floats) {
    std::free(buf.p);
    buf.p = static_cast<float*>(scratch_malloc(floats * sizeof(float)));
    buf.n = buf.p ? floats : 0;
  }
  return buf.p;
}

}  // namespace attnscan
