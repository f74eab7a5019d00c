// Runs a validated kernel call now, or on a libuv worker thread resolving a Promise. Outputs are
// preallocated by the TS layer, so the Promise resolves to undefined and TS hands back its Tensors.
// The async path holds a persistent reference to the argument object for the whole run, so no
// buffer the kernel reads or writes can be collected under it, and never touches `env` off-thread.
#pragma once
#include <napi.h>

#include <functional>
#include <utility>

#include "addon/args.h"
#include "addon/errors.h"
#include "common/status.h"

namespace attnscan {

// Settling uses raw napi calls whose failures are ignored: when a worker thread is terminated with
// a kernel in flight, Node completes the libuv work during environment teardown, when JS can no
// longer run; node-addon-api's wrappers turn the failed resolve into a fatal error (process abort).
// Nobody can be waiting for that promise any more, so it is left unsettled.
class KernelWorker : public Napi::AsyncWorker {
 public:
  KernelWorker(Napi::Env env, Napi::ObjectReference keep, std::function<Result()> work)
      : Napi::AsyncWorker(env), keep_(std::move(keep)), work_(std::move(work)) {
    if (napi_create_promise(env, &deferred_, &promise_) != napi_ok) promise_ = nullptr;
  }

  // Null when the promise could not be created (the caller then throws).
  napi_value promise() const { return promise_; }

  void Execute() override { result_ = work_(); }
  void OnOK() override {
    keep_.Reset();
    if (result_.ok()) {
      napi_value undefined;
      if (napi_get_undefined(Env(), &undefined) == napi_ok) napi_resolve_deferred(Env(), deferred_, undefined);
    } else {
      reject(result_.status, result_.message);
    }
  }
  void OnError(const Napi::Error&) override {
    keep_.Reset();
    reject(Status::internal, "kernel worker failed");
  }

 private:
  void reject(Status s, const std::string& message) {
    napi_env env = Env();
    napi_value msg, code, err;
    if (napi_create_string_utf8(env, message.data(), message.size(), &msg) != napi_ok ||
        napi_create_string_utf8(env, status_code(s), NAPI_AUTO_LENGTH, &code) != napi_ok)
      return;
    napi_status made = s == Status::dtype ? napi_create_type_error(env, code, msg, &err)
                       : (s == Status::shape || s == Status::range || s == Status::oom)
                           ? napi_create_range_error(env, code, msg, &err)
                           : napi_create_error(env, code, msg, &err);
    if (made == napi_ok) napi_reject_deferred(env, deferred_, err);
  }

  napi_deferred deferred_ = nullptr;
  napi_value promise_ = nullptr;
  Napi::ObjectReference keep_;
  std::function<Result()> work_;
  Result result_;
};

inline Napi::Value rejected(Napi::Env env, Status s, const std::string& msg) {
  auto d = Napi::Promise::Deferred::New(env);
  d.Reject(make_error(env, s, msg).Value());
  return d.Promise();
}

// `work` returns a Result; it captures raw pointers read by `args`, valid while args' object lives.
template <class Work>
Napi::Value run_kernel(ArgReader& args, Work&& work) {
  Napi::Env env = args.env();
  if (!args.ok()) {
    if (args.async()) return rejected(env, args.status(), args.message());
    throw_error(env, args.status(), args.message());
    return env.Undefined();
  }
  if (!args.async()) {
    Result r = work();
    if (!r.ok()) throw_error(env, r.status, r.message);
    return env.Undefined();
  }
  auto* w = new KernelWorker(env, args.keep_alive(), std::function<Result()>(std::forward<Work>(work)));
  napi_value p = w->promise();
  if (!p) {
    delete w;
    throw_error(env, Status::internal, "cannot create a promise");
    return env.Undefined();
  }
  w->Queue();
  return Napi::Value(env, p);
}

// A kernel function: its reader (addon/kernel_args.h, shared with the fuzzers) validates the
// argument object, its runner runs the kernel now or on a worker thread.
template <class Call>
Napi::Value bind_call(const Napi::CallbackInfo& info, const char* kernel, Call (*read)(ArgCheck&),
                      Result (*run)(const Call&)) {
  ArgReader r(info, kernel);
  const Call c = read(r);
  return run_kernel(r, [c, run] { return run(c); });
}

}  // namespace attnscan
