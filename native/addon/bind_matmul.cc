// kernels: linear({ x, weight, bias?, out, rows, inFeatures, outFeatures, dtype })
//   x [rows, inFeatures] f32; weight [outFeatures, inFeatures] Float32Array ('f32') or Uint16Array
//   ('f16' | 'bf16'); bias [outFeatures] f32 (optional); out [rows, outFeatures] f32.
#include "addon/args.h"
#include "addon/registry.h"
#include "addon/worker.h"
#include "kernels/matmul/matmul.h"

namespace attnscan {
namespace {

Napi::Value Linear(const Napi::CallbackInfo& info) {
  ArgReader a(info, "linear");
  LinearArgs p{};
  p.rows = a.dim("rows", 0);
  p.in = a.dim("inFeatures", 0);
  p.out = a.dim("outFeatures", 0);
  const std::string dtype = a.string("dtype", "f32");
  if (a.ok() && !parse_weight_type(dtype.c_str(), &p.wtype))
    a.fail(Status::range, "unknown weight dtype '" + dtype + "' (f32, f16, bf16)");
  const int64_t nx = a.product({p.rows, p.in});
  const int64_t nw = a.product({p.out, p.in});
  const int64_t ny = a.product({p.rows, p.out});
  p.x = a.f32("x", nx);
  p.w = p.wtype == WeightType::f32 ? static_cast<const void*>(a.f32("weight", nw)) : a.u16("weight", nw);
  p.bias = a.f32("bias", p.out, true);
  p.y = a.f32("out", ny);
  return run_kernel(a, [=] { return matmul_linear(p); });
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("linear", Napi::Function::New(env, Linear, "linear"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
