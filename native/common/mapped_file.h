// A whole file as memory outside the JS heap, two ways. mmap: the page cache's pages, loaded on
// first touch, so a multi-GiB checkpoint costs no copy and processes share it. Huge-page copy:
// the file read into anonymous memory backed by 2 MiB pages where the kernel allows it, because
// a decode step streams every weight once per token and with 4 KiB pages the TLB misses cost
// about a quarter of a one-thread GEMV's time (bench/RESULTS.md). POSIX only (ATTNSCAN_HAS_MMAP);
// elsewhere the addon leaves mapFile out and the TS reader takes over.
#pragma once
#include <cstddef>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#define ATTNSCAN_HAS_MMAP 1
#else
#define ATTNSCAN_HAS_MMAP 0
#endif

namespace attnscan {

struct MappedFile {
  void* data = nullptr;  // nullptr for an empty file
  size_t size = 0;       // the file's bytes
  size_t length = 0;     // the mapping's bytes (what unmap_file releases)
};

enum class MapMode { file, huge_copy };

struct MapError {
  int err = 0;               // errno, 0 on success
  const char* code = "";     // "ENOENT", "EISDIR", ... ("EIO" when unnamed)
  std::string message;       // "<path>: <strerror>"
};

// file: maps `path` copy-on-write (PROT_READ|PROT_WRITE, MAP_PRIVATE): writes into the mapping
// stay private and never reach the file, and a stray write into a weight view from JS is not a
// SIGSEGV. MAP_NORESERVE: untouched pages are not charged as commit. huge_copy: reads the file
// into a private anonymous mapping rounded up to 2 MiB and advised MADV_HUGEPAGE (plain pages when
// the kernel says no); writable and private the same way. Both refuse non-regular files (a FIFO
// would otherwise block open()).
bool map_file(const char* path, MappedFile* out, MapError* err, MapMode mode = MapMode::file);
void unmap_file(void* data, size_t length);

}  // namespace attnscan
