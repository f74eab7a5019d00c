// kernels: linearGroup({ x, rows, inFeatures, parts, weight<i>, dtype<i>, bias<i>?, out<i>, outFeatures<i> })
//   for i < parts (1..8): out<i> [rows, outFeatures<i>] = x [rows, inFeatures] · weight<i>ᵀ + bias<i>
//   (weight<i> as for linear: Float32Array 'f32' or Uint16Array 'f16' | 'bf16').
//          gatedLinear({ x, rows, inFeatures, outFeatures, dtype, gate, up, gateBias?, upBias?, out, kind })
//   out [rows, outFeatures] = act(x · gateᵀ + gateBias) * (x · upᵀ + upBias); kind: 'silu' | 'gelu_tanh' | 'gelu'.
#include "addon/kernel_args.h"
#include "addon/registry.h"
#include "addon/worker.h"

namespace attnscan {
namespace {

Napi::Value LinearGroup(const Napi::CallbackInfo& info) {
  return bind_call(info, "linearGroup", read_linear_group, run_linear_group);
}

Napi::Value GatedLinear(const Napi::CallbackInfo& info) {
  return bind_call(info, "gatedLinear", read_gated_linear, run_gated_linear);
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("linearGroup", Napi::Function::New(env, LinearGroup, "linearGroup"));
  exports.Set("gatedLinear", Napi::Function::New(env, GatedLinear, "gatedLinear"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
