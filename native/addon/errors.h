// Status -> JS error, mapped once. Every error carries a stable `code` (ERR_SHAPE, ...) and the
// built-in class users test with instanceof (TypeError for dtype, RangeError for shape and range).
#pragma once
#include <napi.h>

#include <string>

#include "common/status.h"

namespace attnscan {

inline const char* status_code(Status s) {
  switch (s) {
    case Status::ok: return "OK";
    case Status::shape: return "ERR_SHAPE";
    case Status::dtype: return "ERR_DTYPE";
    case Status::range: return "ERR_RANGE";
    case Status::oom: return "ERR_OOM";
    case Status::aborted: return "ERR_ABORTED";
    case Status::internal: return "ERR_INTERNAL";
  }
  return "ERR_INTERNAL";
}

inline Napi::Error make_error(Napi::Env env, Status s, const std::string& message) {
  Napi::Error err;
  switch (s) {
    case Status::dtype: err = Napi::TypeError::New(env, message); break;
    case Status::shape:
    case Status::range:
    case Status::oom: err = Napi::RangeError::New(env, message); break;
    default: err = Napi::Error::New(env, message); break;
  }
  err.Set("code", Napi::String::New(env, status_code(s)));
  return err;
}

inline void throw_error(Napi::Env env, Status s, const std::string& message) {
  make_error(env, s, message).ThrowAsJavaScriptException();
}

}  // namespace attnscan
