#include "common/mapped_file.h"

#include <cerrno>
#include <cstdint>
#include <cstring>

#if ATTNSCAN_HAS_MMAP
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace attnscan {
namespace {

const char* errno_code(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EISDIR: return "EISDIR";
    case ENOTDIR: return "ENOTDIR";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case EOVERFLOW: return "EOVERFLOW";
    case EFBIG: return "EFBIG";
    default: return "EIO";
  }
}

bool fail(const char* path, int e, const char* why, MapError* err) {
  err->err = e;
  err->code = errno_code(e);
  err->message = std::string(path) + ": " + (why ? why : std::strerror(e));
  return false;
}

}  // namespace

#if ATTNSCAN_HAS_MMAP

bool map_file(const char* path, MappedFile* out, MapError* err) {
  *out = MappedFile{};
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fail(path, errno, nullptr, err);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return fail(path, e, nullptr, err);
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return fail(path, EISDIR, nullptr, err);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return fail(path, EINVAL, "not a regular file", err);
  }
  if (uint64_t(st.st_size) > uint64_t(SIZE_MAX)) {
    close(fd);
    return fail(path, EFBIG, nullptr, err);
  }
  const size_t size = size_t(st.st_size);
  if (size == 0) {
    close(fd);
    return true;
  }
  int flags = MAP_PRIVATE;
#ifdef MAP_NORESERVE
  flags |= MAP_NORESERVE;
#endif
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, flags, fd, 0);
  int e = errno;
  close(fd);  // the mapping keeps its own reference to the file
  if (p == MAP_FAILED) return fail(path, e, nullptr, err);
  out->data = p;
  out->size = size;
  return true;
}

void unmap_file(void* data, size_t size) {
  if (data) munmap(data, size);
}

#else

bool map_file(const char* path, MappedFile* out, MapError* err) {
  *out = MappedFile{};
  return fail(path, ENODEV, "memory mapping is not supported on this platform", err);
}

void unmap_file(void*, size_t) {}

#endif

}  // namespace attnscan
