// Argument validation without N-API: ArgCheck reads named fields from an ArgSource (the JS
// argument object in the addon, decoded fuzz bytes in native/fuzz) and enforces what the kernels
// rely on: every dim an integer in its range, every buffer live, of the right element type and
// exactly the length its dims imply. The addon and the fuzzers share this code and the per-kernel
// readers in kernel_args.h, so what the fuzzers prove is what the addon runs.
// The first failure records a message (kernel name + field + expected vs actual); later reads
// return null/0, and the caller checks ok() once before running the kernel.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <string>

#include "common/status.h"

namespace attnscan {

enum class ArgKind { missing, number, boolean, string, typed, other };
enum class ElemType { f32, i32, u8, u16, other };

struct ArgValue {
  ArgKind kind = ArgKind::missing;
  double number = 0;
  bool boolean = false;
  std::string string;
  ElemType elem = ElemType::other;
  void* data = nullptr;  // typed: first element (byte offset applied)
  int64_t elements = 0;
  bool detached = false;
  bool readable = true;  // false when the runtime could not describe the typed array
};

class ArgSource {
 public:
  virtual ~ArgSource() = default;
  // `expect_elements` is the length the checker will demand of a typed field (-1 otherwise):
  // the addon ignores it, a fuzz source uses it to hand out buffers of exactly that size.
  virtual ArgValue get(const char* name, int64_t expect_elements) = 0;
};

class ArgCheck {
 public:
  ArgCheck(ArgSource& src, const char* kernel) : src_(src), kernel_(kernel) {}

  bool ok() const { return status_ == Status::ok; }
  Status status() const { return status_; }
  const std::string& message() const { return message_; }

  void fail(Status s, const std::string& what) {
    if (status_ != Status::ok) return;
    status_ = s;
    message_ = std::string(kernel_) + ": " + what;
  }

  bool has(const char* name) { return ok() && src_.get(name, -1).kind != ArgKind::missing; }

  // An integer field in [min, max].
  int64_t dim(const char* name, int64_t min = 1, int64_t max = int64_t(1) << 40) {
    if (!ok()) return 0;
    const ArgValue v = src_.get(name, -1);
    if (v.kind != ArgKind::number) {
      fail(Status::dtype, std::string(name) + " must be a number");
      return 0;
    }
    const double d = v.number;
    if (!std::isfinite(d) || d != std::floor(d) || d < double(min) || d > double(max)) {
      fail(Status::range, std::string(name) + " must be an integer in [" + std::to_string(min) + ", " +
                              std::to_string(max) + "], got " + num_str(d));
      return 0;
    }
    return int64_t(d);
  }

  double number(const char* name, double fallback, bool require_finite = true) {
    if (!ok()) return fallback;
    const ArgValue v = src_.get(name, -1);
    if (v.kind == ArgKind::missing) return fallback;
    if (v.kind != ArgKind::number) {
      fail(Status::dtype, std::string(name) + " must be a number");
      return fallback;
    }
    if (require_finite && !std::isfinite(v.number)) {
      fail(Status::range, std::string(name) + " must be finite, got " + num_str(v.number));
      return fallback;
    }
    return v.number;
  }

  // A number the kernel uses as a float: finite and within float range (converting a double
  // outside it to float is undefined behaviour, not infinity).
  float real32(const char* name, double fallback) {
    const double d = number(name, fallback);
    if (ok() && !(std::fabs(d) <= double(std::numeric_limits<float>::max()))) {
      fail(Status::range, std::string(name) + " must be finite as a float32, got " + num_str(d));
      return 0.0f;
    }
    return ok() ? float(d) : 0.0f;
  }

  bool boolean(const char* name, bool fallback) {
    if (!ok()) return fallback;
    const ArgValue v = src_.get(name, -1);
    if (v.kind == ArgKind::missing) return fallback;
    if (v.kind != ArgKind::boolean) {
      fail(Status::dtype, std::string(name) + " must be a boolean");
      return fallback;
    }
    return v.boolean;
  }

  std::string string(const char* name, const std::string& fallback) {
    if (!ok()) return fallback;
    ArgValue v = src_.get(name, -1);
    if (v.kind == ArgKind::missing) return fallback;
    if (v.kind != ArgKind::string) {
      fail(Status::dtype, std::string(name) + " must be a string");
      return fallback;
    }
    return std::move(v.string);
  }

  // Typed buffers. `length` is the element count the dims imply (computed with product(), which
  // detects overflow). Optional buffers return null when absent.
  float* f32(const char* name, int64_t length, bool optional = false) {
    return static_cast<float*>(typed(name, ElemType::f32, "Float32Array", length, optional));
  }
  const int32_t* i32(const char* name, int64_t length, bool optional = false) {
    return static_cast<const int32_t*>(typed(name, ElemType::i32, "Int32Array", length, optional));
  }
  const uint8_t* u8(const char* name, int64_t length, bool optional = false) {
    return static_cast<const uint8_t*>(typed(name, ElemType::u8, "Uint8Array", length, optional));
  }
  // f16 and bf16 weights travel as Uint16Array holding the raw bits.
  const uint16_t* u16(const char* name, int64_t length, bool optional = false) {
    return static_cast<const uint16_t*>(typed(name, ElemType::u16, "Uint16Array", length, optional));
  }
  // A Uint16Array the kernel writes (an f16 K/V cache).
  uint16_t* u16_out(const char* name, int64_t length, bool optional = false) {
    return static_cast<uint16_t*>(typed(name, ElemType::u16, "Uint16Array", length, optional));
  }

  // a*b*... with overflow detection; 0 after a failure.
  int64_t product(std::initializer_list<int64_t> dims) {
    int64_t p = 1;
    for (int64_t d : dims) {
      if (d < 0 || (d != 0 && p > (int64_t(1) << 50) / d)) {
        fail(Status::range, "tensor too large");
        return 0;
      }
      p *= d;
    }
    return p;
  }

 private:
  static std::string num_str(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
  }

  void* typed(const char* name, ElemType type, const char* type_name, int64_t length, bool optional) {
    if (!ok()) return nullptr;
    const ArgValue v = src_.get(name, length);
    if (v.kind == ArgKind::missing) {
      if (!optional) fail(Status::dtype, std::string(name) + " is required (" + type_name + ")");
      return nullptr;
    }
    if (v.kind != ArgKind::typed || v.elem != type) {
      fail(Status::dtype, std::string(name) + " must be a " + type_name);
      return nullptr;
    }
    if (!v.readable) {
      fail(Status::internal, std::string(name) + ": cannot read the typed array");
      return nullptr;
    }
    if (v.detached) {
      fail(Status::dtype, std::string(name) + " is backed by a detached ArrayBuffer");
      return nullptr;
    }
    if (v.elements != length) {
      fail(Status::shape, std::string(name) + " has " + std::to_string(v.elements) + " elements, its dims imply " +
                              std::to_string(length));
      return nullptr;
    }
    if (length == 0) return nullptr;
    return v.data;
  }

  ArgSource& src_;
  const char* kernel_;
  Status status_ = Status::ok;
  std::string message_;
};

}  // namespace attnscan
