// map_file (native/common/mapped_file.h): contents, copy-on-write, empty files, errno names.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/mapped_file.h"
#include "tests/check.h"

namespace attnscan {
namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "  FAIL mapped_file: %s\n", what);
    ++test::failures();
  }
}

std::string temp_dir() {
  char tmpl[] = "/tmp/attnscan-mapped-XXXXXX";
  const char* d = mkdtemp(tmpl);
  return d ? d : "/tmp";
}

}  // namespace

#if ATTNSCAN_HAS_MMAP
ATTNSCAN_TEST("mapped_file: contents, copy-on-write, empty files, errors") {
  const std::string dir = temp_dir();
  const std::string path = dir + "/data.bin", empty = dir + "/empty.bin";
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite("abcdefgh", 1, 8, f);
  std::fclose(f);
  std::fclose(std::fopen(empty.c_str(), "wb"));

  MappedFile m;
  MapError e;
  check(map_file(path.c_str(), &m, &e) && m.size == 8, "maps a file");
  check(m.data && std::memcmp(m.data, "abcdefgh", 8) == 0, "sees the contents");
  static_cast<char*>(m.data)[0] = 'X';
  MappedFile again;
  check(map_file(path.c_str(), &again, &e) && static_cast<char*>(again.data)[0] == 'a', "writes stay private");
  unmap_file(m.data, m.length);
  unmap_file(again.data, again.length);

  check(map_file(path.c_str(), &m, &e, MapMode::huge_copy) && m.size == 8 && m.length == (size_t(2) << 20) &&
            std::memcmp(m.data, "abcdefgh", 8) == 0,
        "a huge-page copy holds the contents in whole 2 MiB pages");
  static_cast<char*>(m.data)[0] = 'Y';
  check(map_file(path.c_str(), &again, &e) && static_cast<char*>(again.data)[0] == 'a', "writes into a copy stay private");
  unmap_file(m.data, m.length);
  unmap_file(again.data, again.length);
  check(map_file(empty.c_str(), &m, &e, MapMode::huge_copy) && m.data == nullptr && m.length == 0, "an empty file copies to nothing");
  check(!map_file(dir.c_str(), &m, &e, MapMode::huge_copy) && std::strcmp(e.code, "EISDIR") == 0 && m.data == nullptr,
        "a huge-page copy refuses a folder like a mapping");

  check(map_file(empty.c_str(), &m, &e) && m.data == nullptr && m.size == 0, "an empty file maps to nothing");
  check(!map_file((dir + "/missing").c_str(), &m, &e) && std::strcmp(e.code, "ENOENT") == 0 &&
            e.message.find("/missing") != std::string::npos,
        "ENOENT names the path");
  check(!map_file(dir.c_str(), &m, &e) && std::strcmp(e.code, "EISDIR") == 0, "a folder is EISDIR");
  const std::string fifo = dir + "/fifo";
  if (mkfifo(fifo.c_str(), 0600) == 0) {
    check(!map_file(fifo.c_str(), &m, &e) && std::strcmp(e.code, "EINVAL") == 0, "a FIFO is refused, not waited on");
    unlink(fifo.c_str());
  }
  unlink(path.c_str());
  unlink(empty.c_str());
  rmdir(dir.c_str());
}
#endif

}  // namespace attnscan
