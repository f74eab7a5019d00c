// kernels: embedding({ table, tableDtype, vocab, dim, ids, count, out })
// table: Float32Array for 'f32', Uint16Array (raw bits) for 'f16' | 'bf16'. Every id is checked
// against vocab before anything is read (ERR_RANGE naming the id and its position).
#include "addon/args.h"
#include "addon/registry.h"
#include "addon/worker.h"
#include "kernels/embedding/embedding.h"

namespace attnscan {
namespace {

Napi::Value Embedding(const Napi::CallbackInfo& info) {
  ArgReader a(info, "embedding");
  const int64_t vocab = a.dim("vocab", 0, int64_t(1) << 31);
  const int64_t dim = a.dim("dim", 0);
  const int64_t count = a.dim("count", 0);
  const std::string tag = a.string("tableDtype", "f32");
  WeightDtype dt = WeightDtype::f32;
  if (a.ok() && !parse_weight_dtype(tag.c_str(), &dt)) a.fail(Status::range, "tableDtype must be 'f32', 'f16' or 'bf16', got '" + tag + "'");
  const int64_t table_size = a.product({vocab, dim});
  const void* table = dt == WeightDtype::f32 ? static_cast<const void*>(a.f32("table", table_size)) : a.u16("table", table_size);
  const int32_t* ids = a.i32("ids", count);
  float* out = a.f32("out", a.product({count, dim}));
  return run_kernel(a, [=] { return embedding_gather(table, dt, vocab, dim, ids, count, out); });
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("embedding", Napi::Function::New(env, Embedding, "embedding"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan

