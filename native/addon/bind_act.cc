// kernels: activation({ x, out, size, kind })  kind: 'silu' | 'gelu' | 'gelu_tanh' | 'relu'
#include "addon/kernel_args.h"
#include "addon/registry.h"
#include "addon/worker.h"

namespace attnscan {
namespace {

Napi::Value Activation(const Napi::CallbackInfo& info) {
  return bind_call(info, "activation", read_activation, run_activation);
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("activation", Napi::Function::New(env, Activation, "activation"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
