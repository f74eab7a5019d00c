// mapFile(path, mode = 'mmap') -> ArrayBuffer backed by a copy-on-write mmap of the whole file,
// or with mode 'hugepages' by a private copy in huge pages (native/common/mapped_file.h). The
// buffer owns the mapping: it is unmapped by the finalizer once the ArrayBuffer and every view
// onto it are garbage collected, so "closing" a checkpoint only
// drops references and a view kept by the caller never dangles. Errors are JS errors whose `code`
// is the errno name (ENOENT, EISDIR, ...) and whose message names the path. Only registered where
// mmap exists; lib/io falls back to reading the file otherwise.
#include <napi.h>

#include "addon/registry.h"
#include "common/mapped_file.h"

namespace attnscan {
#if ATTNSCAN_HAS_MMAP
namespace {

void throw_with_code(Napi::Error err, const char* code) {
  err.Set("code", Napi::String::New(err.Env(), code));
  err.ThrowAsJavaScriptException();
}

void throw_coded(Napi::Env env, const std::string& message, const char* code) { throw_with_code(Napi::Error::New(env, message), code); }

// The optional second argument; false (with the JS error thrown) when it is not a mode.
bool read_mode(const Napi::CallbackInfo& info, MapMode* mode) {
  *mode = MapMode::file;
  if (info.Length() < 2 || info[1].IsUndefined()) return true;
  Napi::Env env = info.Env();
  if (!info[1].IsString()) {
    throw_with_code(Napi::TypeError::New(env, "mapFile: mode must be a string ('mmap' or 'hugepages')"), "ERR_DTYPE");
    return false;
  }
  const std::string name = info[1].As<Napi::String>().Utf8Value();
  if (name == "hugepages") *mode = MapMode::huge_copy;
  else if (name != "mmap") {
    throw_with_code(Napi::RangeError::New(env, "mapFile: mode must be 'mmap' or 'hugepages', got '" + name + "'"), "ERR_VALUE_RANGE");
    return false;
  }
  return true;
}

void finalize_mapping(napi_env, void* data, void* hint) { unmap_file(data, reinterpret_cast<size_t>(hint)); }

Napi::Value MapFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    throw_with_code(Napi::TypeError::New(env, "mapFile: expected a path (string)"), "ERR_DTYPE");
    return env.Undefined();
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.find('\0') != std::string::npos) {
    throw_coded(env, "mapFile: path contains a NUL byte", "EINVAL");
    return env.Undefined();
  }
  MapMode mode;
  if (!read_mode(info, &mode)) return env.Undefined();
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
