// mapFile(path, mode = 'mmap') -> ArrayBuffer backed by a copy-on-write mmap of the whole file,
// or with mode 'hugepages' by a private copy in huge pages (native/common/mapped_file.h). The buffer owns the mapping: it is unmapped by the finalizer once
// the ArrayBuffer and every view onto it are garbage collected, so "closing" a checkpoint only
// drops references and a view kept by the caller never dangles. Errors are JS errors whose `code`
// is the errno name (ENOENT, EISDIR, ...) and whose message names the path. Only registered where
// mmap exists; lib/io falls back to reading the file otherwise.
#include <napi.h>

#include "addon/registry.h"
#include "common/mapped_file.h"

namespace attnscan {
#if ATTNSCAN_HAS_MMAP
namespace {

void throw_coded(Napi::Env env, const std::string& message, const char* code) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  err.ThrowAsJavaScriptException();
}

void finalize_mapping(napi_env, void* data, void* hint) { unmap_file(data, reinterpret_cast<size_t>(hint)); }

Napi::Value MapFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError err = Napi::TypeError::New(env, "mapFile: expected a path (string)");
    err.Set("code", Napi::String::New(env, "ERR_DTYPE"));
    err.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.find('\0') != std::string::npos) {
    throw_coded(env, "mapFile: path contains a NUL byte", "EINVAL");
    return env.Undefined();
  }
  MapMode mode = MapMode::file;
  if (info.Length() >= 2 && !info[1].IsUndefined()) {
    const std::string name = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
    if (name == "hugepages") mode = MapMode::huge_copy;
    else if (name != "mmap") {
      Napi::Error err = info[1].IsString() ? Napi::Error(Napi::RangeError::New(env, "mapFile: mode must be 'mmap' or 'hugepages', got '" + name + "'"))
                                           : Napi::Error(Napi::TypeError::New(env, "mapFile: mode must be a string ('mmap' or 'hugepages')"));
      err.Set("code", Napi::String::New(env, info[1].IsString() ? "ERR_VALUE_RANGE" : "ERR_DTYPE"));
      err.ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  MappedFile m;
  MapError e;
  if (!map_file(path.c_str(), &m, &e, mode)) {
    throw_coded(env, "mapFile: " + e.message, e.code);
    return env.Undefined();
  }
  if (m.size == 0) return Napi::ArrayBuffer::New(env, 0);
  napi_value ab;
  napi_status s = napi_create_external_arraybuffer(env, m.data, m.size, finalize_mapping,
                                                   reinterpret_cast<void*>(m.length), &ab);
  if (s != napi_ok) {
    unmap_file(m.data, m.length);
    // Runtimes with a V8 sandbox (e.g. Electron) refuse external buffers: the caller reads instead.
    const char* code = s == napi_no_external_buffers_allowed ? "ERR_NO_EXTERNAL_BUFFERS" : "ERR_INTERNAL";
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
    }
    throw_coded(env, "mapFile: " + path + ": cannot wrap the mapping in an ArrayBuffer", code);
    return env.Undefined();
  }
  return Napi::Value(env, ab);
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("mapFile", Napi::Function::New(env, MapFile, "mapFile"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
#endif
}  // namespace attnscan
