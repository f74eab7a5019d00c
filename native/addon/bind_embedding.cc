// kernels: embedding({ table, tableDtype, vocab, dim, ids, count, out })
// table: Float32Array for 'f32', Uint16Array (raw bits) for 'f16' | 'bf16'. Every id is checked
// against vocab before anything is read (ERR_RANGE naming the id and its position).
#include "addon/kernel_args.h"
#include "addon/registry.h"
#include "addon/worker.h"

namespace attnscan {
namespace {

Napi::Value Embedding(const Napi::CallbackInfo& info) {
  return bind_call(info, "embedding", read_embedding, run_embedding);
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("embedding", Napi::Function::New(env, Embedding, "embedding"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
