// libFuzzer harness: mapped_file on files of every size the fuzzer makes (0, 1, odd, page-1,
// page+1, ...) and on paths that are not regular files. The mapping must hold exactly the file's
// bytes, accept writes (copy-on-write, MAP_PRIVATE) without touching the file, and unmap cleanly.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/mapped_file.h"

namespace {

std::string temp_path() {
  static const std::string p = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir ? dir : "/tmp") + "/attnscan-fuzz-map-" + std::to_string(getpid());
  }();
  return p;
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "mapped_file: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attnscan;
  const std::string path = temp_path();
  attnscan::MappedFile m;
  attnscan::MapError err;
  if (size > 0 && data[0] == 0xff) {  // not a regular file: refused with a code, nothing mapped
    const char* odd[] = {"/", "/dev/null", "/nonexistent/attnscan", ""};
    check(!map_file(odd[size % 4], &m, &err) && m.data == nullptr && err.code[0] == 'E', "odd path accepted");
    return 0;
  }
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  check(fd >= 0, "cannot create the temp file");
  check(size == 0 || write(fd, data, size) == ssize_t(size), "short write");
  close(fd);
  for (MapMode mode : {MapMode::file, MapMode::huge_copy}) {
    check(map_file(path.c_str(), &m, &err, mode), "map_file failed on a regular file");
    check(m.size == size && m.length >= size, "size differs from the file's");
    check((size == 0) == (m.data == nullptr), "empty file must map to null");
    if (size > 0) {
      auto* bytes = static_cast<uint8_t*>(m.data);
      check(std::memcmp(bytes, data, size) == 0, "mapping differs from the file");
      bytes[size - 1] ^= 0x5a;  // private write: must not reach the file
      unmap_file(m.data, m.length);
      check(map_file(path.c_str(), &m, &err, mode) && std::memcmp(m.data, data, size) == 0, "a private write reached the file");
      unmap_file(m.data, m.length);
    }
  }
  unlink(path.c_str());
  return 0;
}
