// plans: planCreate([{ kernel, args, grow? }, ...]) → plan;  planRun(plan, step)
// A prepared sequence of kernel calls, validated once and then run in one native call: a decode
// step is ~100 kernel calls per token, and the JS between them (argument checks, output objects,
// the round trip) cost more than the small kernels themselves. Each call's `args` is the object
// that kernel's own function takes, read by the same reader with the same checks. The plan keeps
// every argument object (so every buffer) alive and refuses to run once any buffer was detached.
// `grow` ties one length to the step: attention reads seqK = grow + step keys (its args give K and
// V at full capacity as seqK: batch 1, no key mask, no bias) and kvAppend writes at row
// at = grow + step. planRun checks that every such call fits before running any of them.
// planRun(plan, step, seconds): a Float64Array with one element per call also gets each call's
// wall time (benchmarks break a step down by kernel with it).
#include <napi.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "addon/args.h"
#include "addon/errors.h"
#include "addon/kernel_args.h"
#include "addon/registry.h"

namespace attnscan {
namespace {

constexpr int64_t kMaxCalls = int64_t(1) << 20;
// Marks the objects planCreate made, so planRun never unwraps a foreign pointer.
constexpr napi_type_tag kPlanTag = {0x6174746e7363616eULL, 0x706c616e2d763031ULL};

using StepFn = std::function<Result(int64_t step)>;

struct Plan {
  std::vector<StepFn> calls;
  int64_t max_step = INT64_MAX;
  napi_env env = nullptr;
  napi_ref keep = nullptr;              // the calls array, and through it every argument object
  std::vector<napi_ref> array_buffers;  // checked for detachment before each run
  ~Plan() {
    if (keep) napi_delete_reference(env, keep);
    for (napi_ref r : array_buffers) napi_delete_reference(env, r);
  }
};

template <class Call>
StepFn fixed(ArgCheck& r, Call (*read)(ArgCheck&), Result (*run)(const Call&)) {
  const Call c = read(r);
  return [c, run](int64_t) { return run(c); };
}

StepFn growing_attention(ArgCheck& r, int64_t grow, int64_t* max_step) {
  const AttentionArgs a = read_attention(r);
  if (!r.ok()) return {};
  if (a.batch != 1 || a.key_mask || a.bias) r.fail(Status::shape, "a growing attention call takes batch 1 and no keyMask or bias");
  if (a.seq_k < grow) r.fail(Status::range, "grow " + std::to_string(grow) + " exceeds seqK " + std::to_string(a.seq_k));
  *max_step = a.seq_k - grow;
  return [a, grow](int64_t step) {
    AttentionArgs b = a;
    b.seq_k = grow + step;
    return run_attention(b);
  };
}

StepFn growing_kv_append(ArgCheck& r, int64_t grow, int64_t* max_step) {
  const KvAppendArgs a = read_kv_append(r);
  if (!r.ok()) return {};
  *max_step = a.capacity - a.seq - grow;
  if (*max_step < 0) r.fail(Status::range, "grow " + std::to_string(grow) + " leaves no room in a cache of capacity " + std::to_string(a.capacity));
  return [a, grow](int64_t step) {
    KvAppendArgs b = a;
    b.at = grow + step;
    return run_kv_append(b);
  };
}

// One call's runner; grow < 0: a fixed call. Failures are recorded in r.
StepFn read_call(const std::string& kernel, ArgCheck& r, int64_t grow, int64_t* max_step) {
  if (grow >= 0) {
    if (kernel == "attention") return growing_attention(r, grow, max_step);
    if (kernel == "kvAppend") return growing_kv_append(r, grow, max_step);
    r.fail(Status::range, "only attention and kvAppend calls can grow");
    return {};
  }
  if (kernel == "activation") return fixed(r, read_activation, run_activation);
  if (kernel == "attention") return fixed(r, read_attention, run_attention);
  if (kernel == "causalConv1d") return fixed(r, read_causal_conv1d, run_causal_conv1d);
  if (kernel == "elementwiseBinary") return fixed(r, read_elementwise_binary, run_elementwise_binary);
  if (kernel == "elementwiseGated") return fixed(r, read_elementwise_gated, run_elementwise_gated);
  if (kernel == "embedding") return fixed(r, read_embedding, run_embedding);
  if (kernel == "gatedLinear") return fixed(r, read_gated_linear, run_gated_linear);
  if (kernel == "kvAppend") return fixed(r, read_kv_append, run_kv_append);
  if (kernel == "layerNorm") return fixed(r, read_layer_norm, run_layer_norm);
  if (kernel == "linear") return fixed(r, read_linear, run_linear);
  if (kernel == "linearGroup") return fixed(r, read_linear_group, run_linear_group);
  if (kernel == "rmsNorm") return fixed(r, read_rms_norm, run_rms_norm);
  if (kernel == "rope") return fixed(r, read_rope, run_rope);
  if (kernel == "selectiveScan") return fixed(r, read_selective_scan, run_selective_scan);
  if (kernel == "softmax") return fixed(r, read_softmax, run_softmax);
  r.fail(Status::range, "unknown kernel '" + kernel + "'");
  return {};
}

Napi::Value fail(Napi::Env env, Status s, const std::string& msg) {
  throw_error(env, s, "plan: " + msg);
  return env.Undefined();
}

// The integer field `name` of `obj`, or `fallback` when absent; -2 after a thrown error.
int64_t optional_int(Napi::Env env, Napi::Object obj, const char* name, int64_t fallback, const std::string& where) {
  Napi::Value v = obj.Get(name);
  if (v.IsUndefined()) return fallback;
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(d) || d != std::floor(d) || d < 0 || d > double(int64_t(1) << 40)) {
    fail(env, Status::range, where + ": " + name + " must be a non-negative integer");
    return -2;
  }
  return int64_t(d);
}

Napi::Value PlanCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) return fail(env, Status::dtype, "expected an array of calls");
  Napi::Array arr = info[0].As<Napi::Array>();
  const int64_t n = arr.Length();
  if (n < 1 || n > kMaxCalls) return fail(env, Status::range, "a plan has 1 to " + std::to_string(kMaxCalls) + " calls, got " + std::to_string(n));
  auto plan = std::make_unique<Plan>();
  plan->env = env;
  std::vector<napi_value> buffers;
  for (int64_t i = 0; i < n; ++i) {
    const std::string where = "call " + std::to_string(i);
    Napi::Value item = arr.Get(uint32_t(i));
    if (!item.IsObject()) return fail(env, Status::dtype, where + " must be an object { kernel, args, grow? }");
    Napi::Object call = item.As<Napi::Object>();
    Napi::Value kernel = call.Get("kernel");
    Napi::Value args = call.Get("args");
    if (!kernel.IsString() || !args.IsObject()) return fail(env, Status::dtype, where + " needs a kernel name and an args object");
    const int64_t grow = optional_int(env, call, "grow", -1, where);
    if (grow == -2) return env.Undefined();
    const std::string name = kernel.As<Napi::String>().Utf8Value();
    const std::string label = "plan: " + where + " (" + name + ")";
    NapiArgSource src(env, args.As<Napi::Object>());
    src.collect_buffers(&buffers);
    ArgCheck check(src, label.c_str());
    int64_t max_step = INT64_MAX;
    StepFn fn = read_call(name, check, grow, &max_step);
    if (!check.ok()) {
      throw_error(env, check.status(), check.message());
      return env.Undefined();
    }
    plan->calls.push_back(std::move(fn));
    plan->max_step = std::min(plan->max_step, max_step);
  }
  // One reference per distinct ArrayBuffer (SharedArrayBuffers cannot be detached).
  std::unordered_set<void*> seen;
  for (napi_value ab : buffers) {
    bool is_ab = false;
    void* data = nullptr;
    size_t len = 0;
    if (napi_is_arraybuffer(env, ab, &is_ab) != napi_ok || !is_ab) continue;
    if (napi_get_arraybuffer_info(env, ab, &data, &len) != napi_ok) return fail(env, Status::internal, "cannot read an ArrayBuffer");
    if (data && !seen.insert(data).second) continue;
    napi_ref ref;
    if (napi_create_reference(env, ab, 1, &ref) != napi_ok) return fail(env, Status::internal, "cannot reference an ArrayBuffer");
    plan->array_buffers.push_back(ref);
  }
  if (napi_create_reference(env, arr, 1, &plan->keep) != napi_ok) return fail(env, Status::internal, "cannot reference the calls");
  napi_value obj;
  if (napi_create_object(env, &obj) != napi_ok || napi_type_tag_object(env, obj, &kPlanTag) != napi_ok)
    return fail(env, Status::internal, "cannot create the plan object");
  Plan* raw = plan.get();
  if (napi_wrap(env, obj, raw, [](napi_env, void* p, void*) { delete static_cast<Plan*>(p); }, nullptr, nullptr) != napi_ok)
    return fail(env, Status::internal, "cannot wrap the plan");
  plan.release();
  Napi::Object o(env, obj);
  o.Set("calls", Napi::Number::New(env, double(n)));
  o.Set("maxStep", Napi::Number::New(env, raw->max_step == INT64_MAX ? INFINITY : double(raw->max_step)));
  return o;
}

Napi::Value PlanRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool tagged = false;
  void* raw = nullptr;
  if (info.Length() < 2 || !info[0].IsObject() || napi_check_object_type_tag(env, info[0], &kPlanTag, &tagged) != napi_ok || !tagged ||
      napi_unwrap(env, info[0], &raw) != napi_ok || !raw)
    return fail(env, Status::dtype, "expected a plan made by planCreate");
  Plan* plan = static_cast<Plan*>(raw);
  const double d = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(d) || d != std::floor(d) || d < 0 || d > double(plan->max_step))
    return fail(env, Status::range, "step must be an integer in [0, " + std::to_string(plan->max_step) + "], got " + info[1].ToString().Utf8Value());
  for (napi_ref r : plan->array_buffers) {
    napi_value ab;
    bool detached = false;
    if (napi_get_reference_value(env, r, &ab) != napi_ok || !ab || napi_is_detached_arraybuffer(env, ab, &detached) != napi_ok || detached)
      return fail(env, Status::shape, "a buffer of this plan was detached (transferred); make a new plan");
  }
  double* seconds = nullptr;
  if (info.Length() > 2 && !info[2].IsUndefined()) {
    if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
        info[2].As<Napi::TypedArray>().ElementLength() != plan->calls.size())
      return fail(env, Status::dtype, "seconds must be a Float64Array with one element per call (" + std::to_string(plan->calls.size()) + ")");
    seconds = info[2].As<Napi::Float64Array>().Data();
  }
  const int64_t step = int64_t(d);
  for (size_t i = 0; i < plan->calls.size(); ++i) {
    // The clock only when asked: a decode step makes ~100 calls.
    const auto t0 = seconds ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    const Result r = plan->calls[i](step);
    if (!r.ok()) return fail(env, r.status, r.message);
    if (seconds) seconds[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return env.Undefined();
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("planCreate", Napi::Function::New(env, PlanCreate, "planCreate"));
  exports.Set("planRun", Napi::Function::New(env, PlanRun, "planRun"));
}

}  // namespace
ATTNSCAN_BINDING(Register);
}  // namespace attnscan
