// kernels: attention({ q, k, v, out, batch, seqQ, seqK, heads, kvHeads, headDim, scale, causal,
//                      kvDtype?, keyMask?, bias?, biasBatched })
//   q, out [batch, seqQ, heads, headDim]; k, v [batch, seqK, kvHeads, headDim], Float32Array or
//   (kvDtype 'f16') Uint16Array of f16 bits, lengths counted in elements; keyMask Uint8Array
//   [batch, seqK]; bias Float32Array [heads, seqQ, seqK] or (biasBatched) [batch, heads, seqQ, seqK].
//          raggedAttention({ q, out, rows, heads, kvHeads, headDim, scale, kvDtype?, seqK<i>, k<i>, v<i>,
//                            keyMask<i>?, bias<i>? })  for i < rows (0..256)
//   q, out [rows, heads, headDim]; k<i>, v<i> [seqK<i>, kvHeads, headDim]; keyMask<i> Uint8Array
//   [seqK<i>]; bias<i> Float32Array [heads, seqK<i>].
#include "addon/kernel_args.h"
#include "addon/registry.h"
#include "addon/worker.h"

namespace attnscan {
namespace {

Napi::Value Attention(const Napi::CallbackInfo& info) {
  return bind_call(info, "attention", read_attention, run_attention);
}

Napi::Value RaggedAttention(const Napi::CallbackInfo& info) {
  return bind_call(info, "raggedAttention", read_ragged_attention, run_ragged_attention);
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("attention", Napi::Function::New(env, Attention, "attention"));
  exports.Set("raggedAttention", Napi::Function::New(env, RaggedAttention, "raggedAttention"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
