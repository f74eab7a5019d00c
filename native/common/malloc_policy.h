// What the addon sets in the C allocator when it loads (once per process, whatever the number of
// worker threads loading it). Kernel outputs are ArrayBuffers that V8 allocates with malloc and
// frees in batches after a GC; glibc's defaults then trim the freed top of the heap (or munmap a
// chunk over the dynamic mmap threshold) and the next outputs fault in fresh zeroed pages. On a
// VM a page fault costs 1-15 us, so a 1.5 MiB output could cost more than the kernel filling it.
// With glibc the addon keeps freed memory for reuse instead:
//   M_MMAP_THRESHOLD 32 MiB  (glibc's own dynamic ceiling: larger blocks are mmapped as before)
//   M_TRIM_THRESHOLD 128 MiB (free memory kept at the heap top before it is returned)
//   M_TOP_PAD        16 MiB  (the heap grows in larger steps)
// It leaves the allocator alone when ATTNSCAN_MALLOC=system, when the environment already sets
// glibc's malloc (MALLOC_*_ variables or glibc.malloc tunables), or on any other C library.
#pragma once

namespace attnscan {

// Applies the policy on the first call; every call returns what was done, for backendInfo():
// "tuned" or "system (<why>)".
const char* apply_malloc_policy();

}  // namespace attnscan
