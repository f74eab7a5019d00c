// kernels: softmax({ x, out, rows, n })
#include "addon/kernel_args.h"
#include "addon/registry.h"
#include "addon/worker.h"

namespace attnscan {
namespace {

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  return bind_call(info, "softmax", read_softmax, run_softmax);
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("softmax", Napi::Function::New(env, Softmax, "softmax"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
