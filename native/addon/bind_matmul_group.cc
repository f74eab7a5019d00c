// kernels: linearGroup({ x, rows, inFeatures, parts, weight<i>, dtype<i>, bias<i>?, out<i>, outFeatures<i> })
//   for i < parts (1..8): out<i> [rows, outFeatures<i>] = x [rows, inFeatures] · weight<i>ᵀ + bias<i>
//   (weight<i> as for linear: Float32Array 'f32' or Uint16Array 'f16' | 'bf16').
//          gatedLinear({ x, rows, inFeatures, outFeatures, dtype, gate, up, gateBias?, upBias?, out, kind })
//   out [rows, outFeatures] = act(x · gateᵀ + gateBias) * (x · upᵀ + upBias); kind: 'silu' | 'gelu_tanh' | 'gelu'.
#include <string>

#include "addon/args.h"
#include "addon/registry.h"
#include "addon/worker.h"
#include "kernels/matmul/matmul.h"

namespace attnscan {
namespace {

constexpr int kMaxParts = 8;

// The weight of one product, its dtype read from `dtype_key` (weight type default f32).
const void* read_weight(ArgReader& a, const std::string& key, const std::string& dtype_key, int64_t n, WeightType* wtype) {
  const std::string dtype = a.string(dtype_key.c_str(), "f32");
  if (a.ok() && !parse_weight_type(dtype.c_str(), wtype))
    a.fail(Status::range, "unknown weight dtype '" + dtype + "' for " + key + " (f32, f16, bf16)");
  if (!a.ok()) return nullptr;
  return *wtype == WeightType::f32 ? static_cast<const void*>(a.f32(key.c_str(), n)) : a.u16(key.c_str(), n);
}

Napi::Value LinearGroup(const Napi::CallbackInfo& info) {
  ArgReader a(info, "linearGroup");
  const int64_t rows = a.dim("rows", 0);
  const int64_t in = a.dim("inFeatures", 0);
  const int n = int(a.dim("parts", 1, kMaxParts));
  const float* x = a.f32("x", a.product({rows, in}));
  LinearArgs parts[kMaxParts]{};
  for (int i = 0; a.ok() && i < n; ++i) {
    const std::string s = std::to_string(i);
    LinearArgs& p = parts[i];
    p.x = x;
    p.rows = rows;
    p.in = in;
    p.out = a.dim(("outFeatures" + s).c_str(), 0);
    p.w = read_weight(a, "weight" + s, "dtype" + s, a.product({p.out, in}), &p.wtype);
    p.bias = a.f32(("bias" + s).c_str(), p.out, true);
    p.y = a.f32(("out" + s).c_str(), a.product({rows, p.out}));
  }
  return run_kernel(a, [=] { return matmul_linear_group(parts, n); });
}

Napi::Value GatedLinear(const Napi::CallbackInfo& info) {
  ArgReader a(info, "gatedLinear");
  LinearArgs g{};
  g.rows = a.dim("rows", 0);
  g.in = a.dim("inFeatures", 0);
  g.out = a.dim("outFeatures", 0);
  const std::string kind_name = a.string("kind", "");
  ActKind kind = ActKind::silu;
  if (a.ok() && (!parse_act_kind(kind_name.c_str(), &kind) || kind == ActKind::relu))
    a.fail(Status::range, "unknown gate activation '" + kind_name + "' (silu, gelu_tanh, gelu)");
  g.x = a.f32("x", a.product({g.rows, g.in}));
  const int64_t nw = a.product({g.out, g.in});
  LinearArgs u = g;
  g.w = read_weight(a, "gate", "dtype", nw, &g.wtype);
  u.w = a.ok() ? (g.wtype == WeightType::f32 ? static_cast<const void*>(a.f32("up", nw)) : a.u16("up", nw)) : nullptr;
  u.wtype = g.wtype;
  g.bias = a.f32("gateBias", g.out, true);
  u.bias = a.f32("upBias", g.out, true);
  float* h = a.f32("out", a.product({g.rows, g.out}));
  return run_kernel(a, [=] { return matmul_gated_linear(g, u, kind, h); });
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("linearGroup", Napi::Function::New(env, LinearGroup, "linearGroup"));
  exports.Set("gatedLinear", Napi::Function::New(env, GatedLinear, "gatedLinear"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
