// kernels: attention({ q, k, v, out, batch, seqQ, seqK, heads, kvHeads, headDim, scale, causal,
//                      keyMask?, bias?, biasBatched })
//   q, out [batch, seqQ, heads, headDim]; k, v [batch, seqK, kvHeads, headDim]; keyMask Uint8Array
//   [batch, seqK]; bias Float32Array [heads, seqQ, seqK] or (biasBatched) [batch, heads, seqQ, seqK].
#include <cmath>

#include "addon/args.h"
#include "addon/registry.h"
#include "addon/worker.h"
#include "kernels/attention/attention.h"

namespace attnscan {
namespace {

Napi::Value Attention(const Napi::CallbackInfo& info) {
  ArgReader r(info, "attention");
  constexpr int64_t kMaxDim = int64_t(1) << 31;
  AttentionArgs a{};
  a.batch = r.dim("batch", 0, kMaxDim);
  a.seq_q = r.dim("seqQ", 0, kMaxDim);
  a.seq_k = r.dim("seqK", 0, kMaxDim);
  a.heads = r.dim("heads", 1, kMaxDim);
  a.kv_heads = r.dim("kvHeads", 1, kMaxDim);
  a.head_dim = r.dim("headDim", 1, kMaxDim);
  if (r.ok() && a.heads % a.kv_heads != 0)
    r.fail(Status::shape, "heads (" + std::to_string(a.heads) + ") must be a multiple of kvHeads (" +
                              std::to_string(a.kv_heads) + ")");
  const double scale = r.number("scale", r.ok() ? 1.0 / std::sqrt(double(a.head_dim)) : 1.0);
  if (r.ok() && !std::isfinite(float(scale))) r.fail(Status::range, "scale must be finite as a float32");
  a.scale = float(scale);
  a.causal = r.boolean("causal", false);
  a.bias_batched = r.boolean("biasBatched", false);
  const int64_t q_len = r.product({a.batch, a.seq_q, a.heads, a.head_dim});
  const int64_t kv_len = r.product({a.batch, a.seq_k, a.kv_heads, a.head_dim});
  const int64_t bias_len = r.product({a.bias_batched ? a.batch : 1, a.heads, a.seq_q, a.seq_k});
  a.q = r.f32("q", q_len);
  a.k = r.f32("k", kv_len);
  a.v = r.f32("v", kv_len);
  a.out = r.f32("out", q_len);
  a.key_mask = r.u8("keyMask", r.product({a.batch, a.seq_k}), true);
  a.bias = r.f32("bias", bias_len, true);
  return run_kernel(r, [a] { return attention_f32(a); });
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("attention", Napi::Function::New(env, Attention, "attention"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
