// kernels: causalConv1d({ batch, seqLen, dim, width, x, weight, bias?, state?, activation, y,
// newState }). seqLen 1 runs the decode-step kernel.
#include "addon/kernel_args.h"
#include "addon/registry.h"
#include "addon/worker.h"

namespace attnscan {
namespace {

Napi::Value CausalConv1d(const Napi::CallbackInfo& info) {
  return bind_call(info, "causalConv1d", read_causal_conv1d, run_causal_conv1d);
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("causalConv1d", Napi::Function::New(env, CausalConv1d, "causalConv1d"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
