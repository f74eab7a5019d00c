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

class KernelWorker : public Napi::AsyncWorker {
 public:
  KernelWorker(Napi::Env env, Napi::ObjectReference keep, std::function<Result()> work)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), keep_(std::move(keep)),
        work_(std::move(work)) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override { result_ = work_(); }
  void OnOK() override {
    Napi::Env env = Env();
    keep_.Reset();
    if (result_.ok()) deferred_.Resolve(env.Undefined());
    else deferred_.Reject(make_error(env, result_.status, result_.message).Value());
  }
  void OnError(const Napi::Error& e) override {
    keep_.Reset();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
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
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
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
