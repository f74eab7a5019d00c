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

namespace {

// On failure errno says why and nothing stays mapped.
bool read_into_huge_pages(int fd, size_t size, MappedFile* out) {
  const size_t huge = size_t(2) << 20;
  if (size > SIZE_MAX - huge) {
    errno = EFBIG;
    return false;
  }
  const size_t length = (size + huge - 1) / huge * huge;
  void* p = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return false;
#ifdef MADV_HUGEPAGE
  madvise(p, length, MADV_HUGEPAGE);  // advice only: plain pages when transparent huge pages are off
#endif
  for (size_t done = 0; done < size;) {
    const ssize_t n = pread(fd, static_cast<char*>(p) + done, size - done, off_t(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = n == 0 ? EIO : errno;  // 0: the file shrank while being read
      munmap(p, length);
      errno = e;
      return false;
    }
    done += size_t(n);
  }
  out->data = p;
  out->size = size;
  out->length = length;
  errno = 0;
  return true;
}

}  // namespace

bool map_file(const char* path, MappedFile* out, MapError* err, MapMode mode) {
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
  if (mode == MapMode::huge_copy) {
    const bool ok = read_into_huge_pages(fd, size, out);
    const int e = errno;
    close(fd);
    return ok || fail(path, e ? e : EIO, nullptr, err);
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
  out->length = size;
  return true;
}

void unmap_file(void* data, size_t length) {
  if (data) munmap(data, length);
}

#else

bool map_file(const char* path, MappedFile* out, MapError* err, MapMode) {
  *out = MappedFile{};
  return fail(path, ENODEV, "memory mapping is not supported on this platform", err);
}

void unmap_file(void*, size_t) {}

#endif

}  // namespace attnscan
