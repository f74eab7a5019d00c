// kernels: activation({ x, out, size, kind })  kind: 'silu' | 'gelu' | 'gelu_tanh' | 'relu'
#include "addon/args.h"
#include "addon/registry.h"
#include "addon/worker.h"
#include "kernels/act/act.h"

namespace attnscan {
namespace {

Napi::Value Activation(const Napi::CallbackInfo& info) {
  ArgReader a(info, "activation");
  const int64_t n = a.dim("size", 0);
  const std::string kind_name = a.string("kind", "");
  ActKind kind = ActKind::silu;
  if (a.ok() && !parse_act_kind(kind_name.c_str(), &kind))
    a.fail(Status::range, "unknown activation '" + kind_name + "' (silu, gelu, gelu_tanh, relu)");
  const float* x = a.f32("x", n);
  float* out = a.f32("out", n);
  return run_kernel(a, [=] { return act_apply_f32(kind, x, out, n); });
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("activation", Napi::Function::New(env, Activation, "activation"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
