// kernels: rope({ x, out, batch, seq, heads, headDim, positions, invFreq, rotaryDim, interleaved, scaling })
// x, out: [batch, seq, heads, headDim]; positions: Int32Array [batch, seq]; invFreq: [rotaryDim / 2].
#include "addon/args.h"
#include "addon/registry.h"
#include "addon/worker.h"
#include "kernels/rope/rope.h"

namespace attnscan {
namespace {

Napi::Value Rope(const Napi::CallbackInfo& info) {
  ArgReader a(info, "rope");
  const int64_t batch = a.dim("batch", 0), seq = a.dim("seq", 0), heads = a.dim("heads", 0);
  const int64_t head_dim = a.dim("headDim", 0, int64_t(1) << 24);
  const int64_t rotary_dim = a.dim("rotaryDim", 0, head_dim);
  if (a.ok() && rotary_dim % 2 != 0) a.fail(Status::range, "rotaryDim must be even, got " + std::to_string(rotary_dim));
  const bool interleaved = a.boolean("interleaved", false);
  const double scaling = a.number("scaling", 1.0);
  const int64_t tokens = a.product({batch, seq});
  const int64_t size = a.product({tokens, heads, head_dim});
  const float* x = a.f32("x", size);
  float* out = a.f32("out", size);
  const int32_t* positions = a.i32("positions", tokens);
  const float* inv_freq = a.f32("invFreq", rotary_dim / 2);
  const RopeParams p{heads, head_dim, rotary_dim, interleaved, float(scaling)};
  return run_kernel(a, [=] { return rope_apply_f32(x, out, tokens, positions, inv_freq, p); });
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("rope", Napi::Function::New(env, Rope, "rope"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
