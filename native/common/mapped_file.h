// Read a whole file through mmap: the pages are the page cache's, loaded on first touch, so a
// multi-GiB checkpoint costs neither a copy nor heap. POSIX only (ATTNSCAN_HAS_MMAP); elsewhere
// the addon leaves mapFile out and the TS reader takes over.
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
  size_t size = 0;
};

struct MapError {
  int err = 0;               // errno, 0 on success
  const char* code = "";     // "ENOENT", "EISDIR", ... ("EIO" when unnamed)
  std::string message;       // "<path>: <strerror>"
};

// Maps `path` copy-on-write (PROT_READ|PROT_WRITE, MAP_PRIVATE): writes into the mapping stay
// private and never reach the file, and a stray write into a weight view from JS is not a
// SIGSEGV. MAP_NORESERVE: untouched pages are not charged as commit. Refuses non-regular files
// (a FIFO would otherwise block open()).
bool map_file(const char* path, MappedFile* out, MapError* err);
void unmap_file(void* data, size_t size);

}  // namespace attnscan
