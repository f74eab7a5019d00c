// kernels: softmax({ x, out, rows, n })
#include "addon/args.h"
#include "addon/registry.h"
#include "addon/worker.h"
#include "kernels/softmax/softmax.h"

namespace attnscan {
namespace {

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  ArgReader a(info, "softmax");
  const int64_t rows = a.dim("rows", 0);
  const int64_t n = a.dim("n", 0);
  const int64_t size = a.product({rows, n});
  const float* x = a.f32("x", size);
  float* out = a.f32("out", size);
  return run_kernel(a, [=] { return softmax_rows_f32(x, out, rows, n); });
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("softmax", Napi::Function::New(env, Softmax, "softmax"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
