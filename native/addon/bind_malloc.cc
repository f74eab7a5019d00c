// The allocator policy (native/common/malloc_policy.h) is applied when the addon registers its
// functions, i.e. at load, before any kernel output is allocated through it; mallocPolicy()
// reports what was done (backendInfo().malloc).
#include "addon/registry.h"
#include "common/malloc_policy.h"

namespace attnscan {
namespace {

Napi::Value MallocPolicy(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), apply_malloc_policy()); }

void Register(Napi::Env env, Napi::Object exports) {
  apply_malloc_policy();
  exports.Set("mallocPolicy", Napi::Function::New(env, MallocPolicy, "mallocPolicy"));
}

}  // namespace

ATTNSCAN_BINDING(Register);

}  // namespace attnscan
