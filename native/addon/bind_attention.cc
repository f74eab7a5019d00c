// kernels: attention({ q, k, v, out, batch, seqQ, seqK, heads, kvHeads, headDim, scale, causal,
//                      keyMask?, bias?, biasBatched })
//   q, out [batch, seqQ, heads, headDim]; k, v [batch, seqK, kvHeads, headDim]; keyMask Uint8Array
//   [batch, seqK]; bias Float32Array [heads, seqQ, seqK] or (biasBatched) [batch, heads, seqQ, seqK].
#include "addon/kernel_args.h"
#include "addon/registry.h"
#include "addon/worker.h"

namespace attnscan {
namespace {

Napi::Value Attention(const Napi::CallbackInfo& info) {
  return bind_call(info, "attention", read_attention, run_attention);
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("attention", Napi::Function::New(env, Attention, "attention"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
