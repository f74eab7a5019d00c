// kernels: kvAppend({ k, v, kCache, vCache, kvDtype?, batch, seq, capacity, row, at })
//   k, v [batch, seq, row] f32; kCache, vCache [batch, capacity, row]: Float32Array ('f32',
//   default) or Uint16Array of f16 bits ('f16'); rows [at, at + seq) of each sequence are written.
#include "addon/kernel_args.h"
#include "addon/registry.h"
#include "addon/worker.h"

namespace attnscan {
namespace {

Napi::Value KvAppend(const Napi::CallbackInfo& info) {
  return bind_call(info, "kvAppend", read_kv_append, run_kv_append);
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("kvAppend", Napi::Function::New(env, KvAppend, "kvAppend"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
