// kernels: linear({ x, weight, bias?, residual?, out, rows, inFeatures, outFeatures, dtype })
//   x [rows, inFeatures] f32; weight [outFeatures, inFeatures] Float32Array ('f32') or Uint16Array
//   ('f16' | 'bf16'); bias [outFeatures] f32 (optional); residual [rows, outFeatures] f32 (optional,
//   added to the result; may be out itself); out [rows, outFeatures] f32.
#include "addon/kernel_args.h"
#include "addon/registry.h"
#include "addon/worker.h"

namespace attnscan {
namespace {

Napi::Value Linear(const Napi::CallbackInfo& info) {
  return bind_call(info, "linear", read_linear, run_linear);
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("linear", Napi::Function::New(env, Linear, "linear"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
