// kernels: elementwiseBinary({ a, b, out, rows, n, bRows, kind })  kind: 'add' | 'mul';
//            bRows = rows (same shape) or 1 (b broadcast over the rows of a)
//          elementwiseGated({ gate, up, out, size, kind })        kind: 'silu' | 'gelu_tanh' | 'gelu'
#include "addon/args.h"
#include "addon/registry.h"
#include "addon/worker.h"
#include "kernels/elementwise/elementwise.h"

namespace attnscan {
namespace {

Napi::Value ElementwiseBinary(const Napi::CallbackInfo& info) {
  ArgReader a(info, "elementwiseBinary");
  const int64_t rows = a.dim("rows", 0);
  const int64_t n = a.dim("n", 0);
  const int64_t b_rows = a.dim("bRows", 0);
  if (a.ok() && b_rows != rows && b_rows != 1) a.fail(Status::range, "bRows must be rows or 1, got " + std::to_string(b_rows));
  const std::string kind_name = a.string("kind", "");
  BinaryKind kind = BinaryKind::add;
  if (a.ok() && !parse_binary_kind(kind_name.c_str(), &kind)) a.fail(Status::range, "unknown op '" + kind_name + "' (add, mul)");
  const int64_t size = a.product({rows, n});
  const float* x = a.f32("a", size);
  const float* b = a.f32("b", a.product({b_rows, n}));
  float* out = a.f32("out", size);
  return run_kernel(a, [=] { return elementwise_binary_f32(kind, x, b, out, rows, n, b_rows); });
}

Napi::Value ElementwiseGated(const Napi::CallbackInfo& info) {
  ArgReader a(info, "elementwiseGated");
  const int64_t n = a.dim("size", 0);
  const std::string kind_name = a.string("kind", "");
  ActKind kind = ActKind::silu;
  if (a.ok() && (!parse_act_kind(kind_name.c_str(), &kind) || kind == ActKind::relu))
    a.fail(Status::range, "unknown gate activation '" + kind_name + "' (silu, gelu_tanh, gelu)");
  const float* gate = a.f32("gate", n);
  const float* up = a.f32("up", n);
  float* out = a.f32("out", n);
  return run_kernel(a, [=] { return elementwise_gated_f32(kind, gate, up, out, n); });
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("elementwiseBinary", Napi::Function::New(env, ElementwiseBinary, "elementwiseBinary"));
  exports.Set("elementwiseGated", Napi::Function::New(env, ElementwiseGated, "elementwiseGated"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
