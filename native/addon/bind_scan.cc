// kernels: selectiveScan({ batch, seqLen, dim, dState, groups, u, delta, A, B, C, D?, z?, deltaBias?,
// deltaSoftplus, state?, y, lastState }). seqLen 1 runs the decode-step kernel.
#include "addon/kernel_args.h"
#include "addon/registry.h"
#include "addon/worker.h"

namespace attnscan {
namespace {

Napi::Value SelectiveScan(const Napi::CallbackInfo& info) {
  return bind_call(info, "selectiveScan", read_selective_scan, run_selective_scan);
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("selectiveScan", Napi::Function::New(env, SelectiveScan, "selectiveScan"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
