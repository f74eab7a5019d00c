// kernels: selectiveScan({ batch, seqLen, dim, dState, groups, u, delta, A, B, C, D?, z?, deltaBias?,
// deltaSoftplus, state?, y, lastState }). seqLen 1 runs the decode-step kernel.
#include "addon/args.h"
#include "addon/registry.h"
#include "addon/worker.h"
#include "kernels/scan/scan.h"

namespace attnscan {
namespace {

Napi::Value SelectiveScan(const Napi::CallbackInfo& info) {
  ArgReader r(info, "selectiveScan");
  ScanArgs a{};
  a.batch = r.dim("batch", 0);
  a.seq_len = r.dim("seqLen", 0);
  a.dim = r.dim("dim", 1);
  a.d_state = r.dim("dState", 1);
  a.groups = r.dim("groups", 1);
  if (r.ok() && a.dim % a.groups != 0)
    r.fail(Status::shape, "dim " + std::to_string(a.dim) + " is not a multiple of groups " + std::to_string(a.groups));
  const int64_t tokens = r.product({a.batch, a.seq_len, a.dim});
  const int64_t bc = r.product({a.batch, a.seq_len, a.groups, a.d_state});
  const int64_t states = r.product({a.batch, a.dim, a.d_state});
  a.u = r.f32("u", tokens);
  a.delta = r.f32("delta", tokens);
  a.A = r.f32("A", r.product({a.dim, a.d_state}));
  a.B = r.f32("B", bc);
  a.C = r.f32("C", bc);
  a.D = r.f32("D", a.dim, true);
  a.z = r.f32("z", tokens, true);
  a.delta_bias = r.f32("deltaBias", a.dim, true);
  a.delta_softplus = r.boolean("deltaSoftplus", false);
  a.state = r.f32("state", states, true);
  a.y = r.f32("y", tokens);
  a.last_state = r.f32("lastState", states);
  // In place (state == lastState) works channel by channel; a partial overlap would race.
  if (r.ok() && a.state && a.last_state && a.state != a.last_state && a.state < a.last_state + states &&
      a.last_state < a.state + states)
    r.fail(Status::shape, "lastState must be state itself or not overlap it");
  return run_kernel(r, [a] { return a.seq_len == 1 ? scan_step_f32(a) : scan_selective_f32(a); });
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("selectiveScan", Napi::Function::New(env, SelectiveScan, "selectiveScan"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
