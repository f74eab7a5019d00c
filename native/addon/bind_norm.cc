// kernels: rmsNorm({ x, out, rows, hidden, eps, weight?, weightDtype })
//          layerNorm({ x, out, rows, hidden, eps, weight?, weightDtype, bias?, biasDtype })
// weight/bias: Float32Array for 'f32', Uint16Array (raw bits) for 'f16' | 'bf16'.
#include "addon/kernel_args.h"
#include "addon/registry.h"
#include "addon/worker.h"

namespace attnscan {
namespace {

Napi::Value RmsNorm(const Napi::CallbackInfo& info) {
  return bind_call(info, "rmsNorm", read_rms_norm, run_rms_norm);
}
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  return bind_call(info, "layerNorm", read_layer_norm, run_layer_norm);
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("rmsNorm", Napi::Function::New(env, RmsNorm, "rmsNorm"));
  exports.Set("layerNorm", Napi::Function::New(env, LayerNorm, "layerNorm"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
