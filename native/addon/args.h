// Reads and validates a kernel's argument object. Every dim is an integer in its range, every
// buffer is a live (not detached) TypedArray of the right element type and exactly the length the
// dims imply: a bug in the TS layer must never become an out-of-bounds access in a user's server.
// The first failure records a message (kernel name + field + expected vs actual); later reads
// return null/0, and the binding checks ok() once before running the kernel.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace attnscan {

class ArgReader {
 public:
  ArgReader(const Napi::CallbackInfo& info, const char* kernel) : env_(info.Env()), kernel_(kernel) {
    if (info.Length() < 1 || !info[0].IsObject()) {
      fail(Status::dtype, "expected an argument object");
      return;
    }
    obj_ = info[0].As<Napi::Object>();
    async_ = info.Length() > 1 && info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
  }

  bool ok() const { return status_ == Status::ok; }
  bool async() const { return async_; }
  Status status() const { return status_; }
  const std::string& message() const { return message_; }
  Napi::Env env() const { return env_; }
  Napi::Object object() const { return obj_; }

  void fail(Status s, const std::string& what) {
    if (status_ != Status::ok) return;
    status_ = s;
    message_ = std::string(kernel_) + ": " + what;
  }

  bool has(const char* name) {
    if (!ok()) return false;
    Napi::Value v = obj_.Get(name);
    return !v.IsUndefined() && !v.IsNull();
  }

  // An integer field in [min, max].
  int64_t dim(const char* name, int64_t min = 1, int64_t max = int64_t(1) << 40) {
    if (!ok()) return 0;
    Napi::Value v = obj_.Get(name);
    if (!v.IsNumber()) {
      fail(Status::dtype, std::string(name) + " must be a number");
      return 0;
    }
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || d != std::floor(d) || d < double(min) || d > double(max)) {
      fail(Status::range, std::string(name) + " must be an integer in [" + std::to_string(min) + ", " +
                              std::to_string(max) + "], got " + num_str(d));
      return 0;
    }
    return int64_t(d);
  }

  double number(const char* name, double fallback, bool require_finite = true) {
    if (!ok()) return fallback;
    Napi::Value v = obj_.Get(name);
    if (v.IsUndefined() || v.IsNull()) return fallback;
    if (!v.IsNumber()) {
      fail(Status::dtype, std::string(name) + " must be a number");
      return fallback;
    }
    double d = v.As<Napi::Number>().DoubleValue();
    if (require_finite && !std::isfinite(d)) {
      fail(Status::range, std::string(name) + " must be finite, got " + num_str(d));
      return fallback;
    }
    return d;
  }

  bool boolean(const char* name, bool fallback) {
    if (!ok()) return fallback;
    Napi::Value v = obj_.Get(name);
    if (v.IsUndefined() || v.IsNull()) return fallback;
    if (!v.IsBoolean()) {
      fail(Status::dtype, std::string(name) + " must be a boolean");
      return fallback;
    }
    return v.As<Napi::Boolean>().Value();
  }

  std::string string(const char* name, const std::string& fallback) {
    if (!ok()) return fallback;
    Napi::Value v = obj_.Get(name);
    if (v.IsUndefined() || v.IsNull()) return fallback;
    if (!v.IsString()) {
      fail(Status::dtype, std::string(name) + " must be a string");
      return fallback;
    }
    return v.As<Napi::String>().Utf8Value();
  }

  // Typed buffers. `length` is the element count the dims imply (checked with overflow in mind:
  // callers compute it with checked_mul). Optional buffers return null when absent.
  float* f32(const char* name, int64_t length, bool optional = false) {
    return static_cast<float*>(typed(name, napi_float32_array, "Float32Array", length, optional));
  }
  const int32_t* i32(const char* name, int64_t length, bool optional = false) {
    return static_cast<const int32_t*>(typed(name, napi_int32_array, "Int32Array", length, optional));
  }
  const uint8_t* u8(const char* name, int64_t length, bool optional = false) {
    return static_cast<const uint8_t*>(typed(name, napi_uint8_array, "Uint8Array", length, optional));
  }
  // f16 and bf16 weights travel as Uint16Array holding the raw bits.
  const uint16_t* u16(const char* name, int64_t length, bool optional = false) {
    return static_cast<const uint16_t*>(typed(name, napi_uint16_array, "Uint16Array", length, optional));
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

  // Persistent references that keep the argument object (and so every buffer it holds) alive
  // while an async kernel runs on another thread.
  Napi::ObjectReference keep_alive() { return Napi::Persistent(obj_); }

 private:
  static std::string num_str(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
  }

  void* typed(const char* name, napi_typedarray_type type, const char* type_name, int64_t length,
              bool optional) {
    if (!ok()) return nullptr;
    Napi::Value v = obj_.Get(name);
    if (v.IsUndefined() || v.IsNull()) {
      if (!optional) fail(Status::dtype, std::string(name) + " is required (" + type_name + ")");
      return nullptr;
    }
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
      fail(Status::dtype, std::string(name) + " must be a " + type_name);
      return nullptr;
    }
    // Raw napi: the buffer may be a SharedArrayBuffer (weights read for worker threads), which
    // Napi::ArrayBuffer's detached check rejects with a fatal double throw.
    napi_typedarray_type t;
    size_t elements = 0, offset = 0;
    void* data = nullptr;
    napi_value ab;
    if (napi_get_typedarray_info(env_, v, &t, &elements, &data, &ab, &offset) != napi_ok) {
      fail(Status::internal, std::string(name) + ": cannot read the typed array");
      return nullptr;
    }
    bool detached = false;
    if (Napi::Value(env_, ab).IsArrayBuffer() && napi_is_detached_arraybuffer(env_, ab, &detached) != napi_ok) detached = true;
    if (detached) {
      fail(Status::dtype, std::string(name) + " is backed by a detached ArrayBuffer");
      return nullptr;
    }
    if (int64_t(elements) != length) {
      fail(Status::shape, std::string(name) + " has " + std::to_string(elements) +
                              " elements, its dims imply " + std::to_string(length));
      return nullptr;
    }
    if (length == 0) return nullptr;
    return data;  // napi already adds the byte offset
  }

  Napi::Env env_;
  Napi::Object obj_;
  const char* kernel_;
  bool async_ = false;
  Status status_ = Status::ok;
  std::string message_;
};

}  // namespace attnscan
