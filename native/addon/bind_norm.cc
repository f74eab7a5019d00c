// kernels: rmsNorm({ x, out, rows, hidden, eps, weight?, weightDtype })
//          layerNorm({ x, out, rows, hidden, eps, weight?, weightDtype, bias?, biasDtype })
// weight/bias: Float32Array for 'f32', Uint16Array (raw bits) for 'f16' | 'bf16'.
#include "addon/args.h"
#include "addon/registry.h"
#include "addon/worker.h"
#include "kernels/norm/norm.h"

namespace attnscan {
namespace {

// An optional [n] weight in the dtype its tag names; null when absent.
const void* read_weight_vector(ArgReader& a, const char* name, const char* dtype_field, int64_t n, WeightDtype* dt) {
  const std::string tag = a.string(dtype_field, "f32");
  if (a.ok() && !parse_weight_dtype(tag.c_str(), dt)) a.fail(Status::range, std::string(dtype_field) + " must be 'f32', 'f16' or 'bf16', got '" + tag + "'");
  if (*dt == WeightDtype::f32) return a.f32(name, n, true);
  return a.u16(name, n, true);
}

struct NormArgs {
  const float* x = nullptr;
  float* out = nullptr;
  int64_t rows = 0, hidden = 0;
  float eps = 0.0f;
};

NormArgs read_common(ArgReader& a) {
  NormArgs n;
  n.rows = a.dim("rows", 0);
  n.hidden = a.dim("hidden", 0);
  const double eps = a.number("eps", 1e-6);
  if (a.ok() && eps < 0) a.fail(Status::range, "eps must be >= 0");
  n.eps = float(eps);
  const int64_t size = a.product({n.rows, n.hidden});
  n.x = a.f32("x", size);
  n.out = a.f32("out", size);
  return n;
}

Napi::Value RmsNorm(const Napi::CallbackInfo& info) {
  ArgReader a(info, "rmsNorm");
  const NormArgs n = read_common(a);
  WeightDtype wdt = WeightDtype::f32;
  const void* w = read_weight_vector(a, "weight", "weightDtype", n.hidden, &wdt);
  return run_kernel(a, [=] { return norm_rms_f32(n.x, n.out, n.rows, n.hidden, w, wdt, n.eps); });
}

Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  ArgReader a(info, "layerNorm");
  const NormArgs n = read_common(a);
  WeightDtype wdt = WeightDtype::f32, bdt = WeightDtype::f32;
  const void* w = read_weight_vector(a, "weight", "weightDtype", n.hidden, &wdt);
  const void* b = read_weight_vector(a, "bias", "biasDtype", n.hidden, &bdt);
  return run_kernel(a, [=] { return norm_layer_f32(n.x, n.out, n.rows, n.hidden, w, wdt, b, bdt, n.eps); });
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("rmsNorm", Napi::Function::New(env, RmsNorm, "rmsNorm"));
  exports.Set("layerNorm", Napi::Function::New(env, LayerNorm, "layerNorm"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
