// kernels: rope({ x, out, batch, seq, heads, headDim, positions, invFreq, rotaryDim, interleaved, scaling,
//                 k?, kOut?, kHeads? })
// x, out: [batch, seq, heads, headDim]; positions: Int32Array [batch, seq]; invFreq: [rotaryDim / 2].
// ropeQk also passes k, kOut: [batch, seq, kHeads, headDim], rotated with the same tables.
#include "addon/kernel_args.h"
#include "addon/registry.h"
#include "addon/worker.h"

namespace attnscan {
namespace {

Napi::Value Rope(const Napi::CallbackInfo& info) {
  return bind_call(info, "rope", read_rope, run_rope);
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("rope", Napi::Function::New(env, Rope, "rope"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
