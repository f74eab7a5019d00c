// The addon's ArgReader: ArgCheck (addon/arg_check.h, no N-API) over the JS argument object.
// Every dim is an integer in its range, every buffer is a live (not detached) TypedArray of the
// right element type and exactly the length the dims imply: a bug in the TS layer must never
// become an out-of-bounds access in a user's server.
#pragma once
#include <napi.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "addon/arg_check.h"

namespace attnscan {

// Argument names as internalised JS strings, made once per thread's environment: reading a field
// by its C string (napi_get_named_property) makes and internalises a new V8 string on every read
// (StringTable::FindEntry in decode profiles: ~100 kernel calls per token, ~8 fields each), and a
// plain new string is looked up in the string table again by every property read. Node-API 8 can
// only reference objects, so the strings live in one JS array per environment, held by reference;
// a name maps to its index. Keyed by content, not pointer: some bindings build names ("weight0").
class NameCache {
 public:
  static napi_value get(napi_env env, const char* name) {
    NameCache& c = instance();
    if (c.env_ != env) c.reset(env);
    napi_value keys = nullptr, v = nullptr;
    if (c.closed_ || !c.keys_ || napi_get_reference_value(env, c.keys_, &keys) != napi_ok || !keys) return plain(env, name);
    auto it = c.index_.find(name);
    if (it != c.index_.end()) return napi_get_element(env, keys, it->second, &v) == napi_ok ? v : plain(env, name);
    v = internalized(env, name);
    if (!v) return plain(env, name);
    const uint32_t i = uint32_t(c.index_.size());
    if (napi_set_element(env, keys, i, v) == napi_ok) c.index_[name] = i;
    return v;
  }

 private:
  static napi_value plain(napi_env env, const char* name) {
    napi_value v = nullptr;
    return napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &v) == napi_ok ? v : nullptr;
  }
  // The name as V8 keys properties by it (internalised). Node 20 has no
  // node_api_create_property_key_*, so it is taken back from an object with a property of that name.
  static napi_value internalized(napi_env env, const char* name) {
    napi_value obj, undef, keys, key = nullptr;
    uint32_t n = 0;
    if (napi_create_object(env, &obj) != napi_ok || napi_get_undefined(env, &undef) != napi_ok ||
        napi_set_named_property(env, obj, name, undef) != napi_ok || napi_get_property_names(env, obj, &keys) != napi_ok ||
        napi_get_array_length(env, keys, &n) != napi_ok || n != 1 || napi_get_element(env, keys, 0, &key) != napi_ok)
      return nullptr;
    return key;
  }
  static NameCache& instance() {
    thread_local NameCache cache;
    return cache;
  }
  // A new environment on this thread (the old one's array died with it).
  void reset(napi_env env) {
    index_.clear();
    keys_ = nullptr;
    env_ = env;
    closed_ = false;
    napi_value arr;
    if (napi_create_array(env, &arr) != napi_ok || napi_create_reference(env, arr, 1, &keys_) != napi_ok) keys_ = nullptr;
    napi_add_env_cleanup_hook(env, [](void* arg) { static_cast<NameCache*>(arg)->forget(); }, this);
  }
  // The environment is going away, and its references with it. A call still arriving from it
  // (during teardown) gets uncached names, so the hook is never registered twice for one env.
  void forget() {
    index_.clear();
    keys_ = nullptr;
    closed_ = true;
  }
  napi_env env_ = nullptr;
  bool closed_ = false;
  napi_ref keys_ = nullptr;
  std::unordered_map<std::string, uint32_t> index_;
};

// Reads fields of the argument object as ArgValues.
class NapiArgSource : public ArgSource {
 public:
  NapiArgSource(const Napi::CallbackInfo& info) : env_(info.Env()) {
    if (info.Length() >= 1 && info[0].IsObject()) obj_ = info[0].As<Napi::Object>();
  }
  NapiArgSource(Napi::Env env, Napi::Object obj) : env_(env), obj_(obj) {}

  // Every ArrayBuffer behind a typed field read from now on is appended here (a plan keeps them).
  void collect_buffers(std::vector<napi_value>* into) { buffers_ = into; }

  ArgValue get(const char* name, int64_t) override {
    ArgValue out;
    if (obj_.IsEmpty()) return out;
    napi_value key = NameCache::get(env_, name);
    napi_value raw = nullptr;
    napi_valuetype type = napi_undefined;
    if (!key || napi_get_property(env_, obj_, key, &raw) != napi_ok || napi_typeof(env_, raw, &type) != napi_ok) {
      out.kind = ArgKind::other;
      return out;
    }
    Napi::Value v(env_, raw);
    bool typed = false;
    switch (type) {
      case napi_undefined:
      case napi_null:
        break;
      case napi_number:
        out.kind = ArgKind::number;
        out.number = v.As<Napi::Number>().DoubleValue();
        break;
      case napi_boolean:
        out.kind = ArgKind::boolean;
        out.boolean = v.As<Napi::Boolean>().Value();
        break;
      case napi_string:
        out.kind = ArgKind::string;
        out.string = v.As<Napi::String>().Utf8Value();
        break;
      case napi_object:
        if (napi_is_typedarray(env_, raw, &typed) == napi_ok && typed) {
          read_typed(v, &out);
          break;
        }
        out.kind = ArgKind::other;
        break;
      default:
        out.kind = ArgKind::other;
        break;
    }
    return out;
  }

 protected:
  Napi::Env env_;
  Napi::Object obj_;

 private:
  std::vector<napi_value>* buffers_ = nullptr;
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
    if (buffers_) buffers_->push_back(ab);
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
