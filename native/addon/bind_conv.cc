// kernels: causalConv1d({ batch, seqLen, dim, width, x, weight, bias?, state?, activation, y,
// newState }). seqLen 1 runs the decode-step kernel.
#include "addon/args.h"
#include "addon/registry.h"
#include "addon/worker.h"
#include "kernels/conv/conv.h"

namespace attnscan {
namespace {

Napi::Value CausalConv1d(const Napi::CallbackInfo& info) {
  ArgReader r(info, "causalConv1d");
  ConvArgs a{};
  a.batch = r.dim("batch", 0);
  a.seq_len = r.dim("seqLen", 0);
  a.dim = r.dim("dim", 0);
  a.width = r.dim("width", 1, 1 << 16);
  const std::string act = r.string("activation", "none");
  if (r.ok() && act != "silu" && act != "none") r.fail(Status::range, "unknown activation '" + act + "' (silu, none)");
  a.silu = act == "silu";
  const int64_t tokens = r.product({a.batch, a.seq_len, a.dim});
  const int64_t states = r.product({a.batch, a.dim, a.width - 1});
  a.x = r.f32("x", tokens);
  a.weight = r.f32("weight", r.product({a.dim, a.width}));
  a.bias = r.f32("bias", a.dim, true);
  a.state = r.f32("state", states, true);
  a.y = r.f32("y", tokens);
  a.new_state = r.f32("newState", states);
  if (r.ok() && a.state && a.new_state && a.state < a.new_state + states && a.new_state < a.state + states)
    r.fail(Status::shape, "newState must not overlap state");
  return run_kernel(r, [a] { return a.seq_len == 1 ? conv_step_f32(a) : conv_causal_f32(a); });
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("causalConv1d", Napi::Function::New(env, CausalConv1d, "causalConv1d"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
