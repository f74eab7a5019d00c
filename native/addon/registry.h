// Each bind_<family>.cc registers its JS functions with ATTNSCAN_BINDING(fn); addon.cc calls them
// all at init. Adding a family touches no shared file.
#pragma once
#include <napi.h>

#include <vector>

namespace attnscan {

using RegisterFn = void (*)(Napi::Env env, Napi::Object exports);

inline std::vector<RegisterFn>& binding_registry() {
  static std::vector<RegisterFn> fns;
  return fns;
}

struct BindingRegistrar {
  explicit BindingRegistrar(RegisterFn fn) { binding_registry().push_back(fn); }
};

}  // namespace attnscan

#define ATTNSCAN_BINDING(fn) static ::attnscan::BindingRegistrar attnscan_registrar_##fn(fn)
