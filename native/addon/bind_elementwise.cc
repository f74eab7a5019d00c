// kernels: elementwiseBinary({ a, b, out, rows, n, bRows, kind })  kind: 'add' | 'mul';
//            bRows = rows (same shape) or 1 (b broadcast over the rows of a)
//          elementwiseGated({ gate, up, out, size, kind })        kind: 'silu' | 'gelu_tanh' | 'gelu'
#include "addon/kernel_args.h"
#include "addon/registry.h"
#include "addon/worker.h"

namespace attnscan {
namespace {

Napi::Value ElementwiseBinary(const Napi::CallbackInfo& info) {
  return bind_call(info, "elementwiseBinary", read_elementwise_binary, run_elementwise_binary);
}
Napi::Value ElementwiseGated(const Napi::CallbackInfo& info) {
  return bind_call(info, "elementwiseGated", read_elementwise_gated, run_elementwise_gated);
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("elementwiseBinary", Napi::Function::New(env, ElementwiseBinary, "elementwiseBinary"));
  exports.Set("elementwiseGated", Napi::Function::New(env, ElementwiseGated, "elementwiseGated"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
