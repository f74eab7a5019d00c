// Addon entry: backend introspection and control (ISA, threads); every kernel family registers
// its own functions from bind_<family>.cc.
#include <napi.h>

#include "addon/errors.h"
#include "addon/registry.h"
#include "common/pool.h"
#include "kernels/dispatch.h"

namespace attnscan {
namespace {

Napi::Value ListIsas(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto isas = supported_isas();
  Napi::Array out = Napi::Array::New(env, isas.size());
  for (size_t i = 0; i < isas.size(); ++i) out.Set(uint32_t(i), Napi::String::New(env, isa_name(isas[i])));
  return out;
}

Napi::Value ActiveIsa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), isa_name(active_isa()));
}

Napi::Value ForceIsa(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    throw_error(env, Status::dtype, "forceIsa: expected an ISA name (string)");
    return env.Undefined();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  Isa isa;
  if (!parse_isa(name, &isa)) {
    throw_error(env, Status::range, "forceIsa: unknown ISA '" + name + "' (scalar, avx2, avx512, neon)");
    return env.Undefined();
  }
  if (!force_isa(isa)) {
    throw_error(env, Status::range, "forceIsa: ISA '" + name + "' is not supported by this CPU or build");
    return env.Undefined();
  }
  return Napi::String::New(env, isa_name(active_isa()));
}

Napi::Value Threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), num_threads()); }

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw_error(env, Status::dtype, "setThreads: expected a number");
    return env.Undefined();
  }
  double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 256) || n != double(int(n))) {
    throw_error(env, Status::range, "setThreads: threads must be an integer in [1, 256]");
    return env.Undefined();
  }
  set_num_threads(int(n));
  return Napi::Number::New(env, num_threads());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("listIsas", Napi::Function::New(env, ListIsas, "listIsas"));
  exports.Set("activeIsa", Napi::Function::New(env, ActiveIsa, "activeIsa"));
  exports.Set("forceIsa", Napi::Function::New(env, ForceIsa, "forceIsa"));
  exports.Set("threads", Napi::Function::New(env, Threads, "threads"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  for (RegisterFn fn : binding_registry()) fn(env, exports);
  return exports;
}

}  // namespace
}  // namespace attnscan

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return attnscan::Init(env, exports); }

NODE_API_MODULE(attnscan, InitAddon)
