// The addon's ArgReader: ArgCheck (addon/arg_check.h, no N-API) over the JS argument object.
// Every dim is an integer in its range, every buffer is a live (not detached) TypedArray of the
// right element type and exactly the length the dims imply: a bug in the TS layer must never
// become an out-of-bounds access in a user's server.
#pragma once
#include <napi.h>

#include <string>

#include "addon/arg_check.h"

namespace attnscan {

// Reads fields of the argument object as ArgValues.
class NapiArgSource : public ArgSource {
 public:
  NapiArgSource(const Napi::CallbackInfo& info) : env_(info.Env()) {
    if (info.Length() >= 1 && info[0].IsObject()) obj_ = info[0].As<Napi::Object>();
  }

  ArgValue get(const char* name, int64_t) override {
    ArgValue out;
    if (obj_.IsEmpty()) return out;
    Napi::Value v = obj_.Get(name);
    if (v.IsUndefined() || v.IsNull()) return out;
    if (v.IsNumber()) {
      out.kind = ArgKind::number;
      out.number = v.As<Napi::Number>().DoubleValue();
    } else if (v.IsBoolean()) {
      out.kind = ArgKind::boolean;
      out.boolean = v.As<Napi::Boolean>().Value();
    } else if (v.IsString()) {
      out.kind = ArgKind::string;
      out.string = v.As<Napi::String>().Utf8Value();
    } else if (v.IsTypedArray()) {
      read_typed(v, &out);
    } else {
      out.kind = ArgKind::other;
    }
    return out;
  }

 protected:
  Napi::Env env_;
  Napi::Object obj_;

 private:
  void read_typed(Napi::Value v, ArgValue* out) {
    out->kind = ArgKind::typed;
    // Raw napi: the buffer may be a SharedArrayBuffer (weights read for worker threads), which
    // Napi::ArrayBuffer's detached check rejects with a fatal double throw.
    napi_typedarray_type t;
    size_t elements = 0, offset = 0;
    void* data = nullptr;
    napi_value ab;
    if (napi_get_typedarray_info(env_, v, &t, &elements, &data, &ab, &offset) != napi_ok) {
      out->readable = false;
      return;
    }
    switch (t) {
      case napi_float32_array: out->elem = ElemType::f32; break;
      case napi_int32_array: out->elem = ElemType::i32; break;
      case napi_uint8_array: out->elem = ElemType::u8; break;
      case napi_uint16_array: out->elem = ElemType::u16; break;
      default: out->elem = ElemType::other; break;
    }
    bool detached = false;
    if (Napi::Value(env_, ab).IsArrayBuffer() && napi_is_detached_arraybuffer(env_, ab, &detached) != napi_ok)
      detached = true;
    out->detached = detached;
    out->elements = int64_t(elements);
    out->data = data;  // napi already adds the byte offset
  }
};

class ArgReader : private NapiArgSource, public ArgCheck {
 public:
  ArgReader(const Napi::CallbackInfo& info, const char* kernel)
      : NapiArgSource(info), ArgCheck(static_cast<NapiArgSource&>(*this), kernel) {
    if (obj_.IsEmpty()) {
      fail(Status::dtype, "expected an argument object");
      return;
    }
    async_ = info.Length() > 1 && info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
  }

  bool async() const { return async_; }
  Napi::Env env() const { return env_; }
  Napi::Object object() const { return obj_; }

  // Persistent references that keep the argument object (and so every buffer it holds) alive
  // while an async kernel runs on another thread.
  Napi::ObjectReference keep_alive() { return Napi::Persistent(obj_); }

 private:
  bool async_ = false;
};

}  // namespace attnscan
