// Kernels never touch JS: they return a Status, and native/addon/errors.h maps it to a JS error
// with a stable code, once.
#pragma once
#include <string>

namespace attnscan {

enum class Status {
  ok = 0,
  shape,       // ERR_SHAPE: dims disagree with each other or with buffer lengths
  dtype,       // ERR_DTYPE: wrong element type
  range,       // ERR_RANGE: an index or option outside its domain (token id, isa name, scale)
  oom,         // ERR_OOM: an allocation failed
  aborted,     // ERR_ABORTED
  internal,    // ERR_INTERNAL: a bug; never expected
};

// A status with the message to show, filled by the first check that fails.
struct Result {
  Status status = Status::ok;
  std::string message;
  bool ok() const { return status == Status::ok; }
  static Result fail(Status s, std::string m) { return Result{s, std::move(m)}; }
};

}  // namespace attnscan
