// Built with baseline flags and without LTO: code from an ISA library must never be inlined here,
// where it would run before the CPU check (ggml's SIGILL with LTO).
#include "kernels/dispatch.h"

#include <atomic>
#include <cstdlib>

#include "common/cpu_features.h"

namespace attnscan {

namespace {
std::atomic<int> g_active{-1};

Isa initial_isa() {
  const char* env = std::getenv("ATTNSCAN_ISA");
  Isa forced;
  if (env && *env && parse_isa(env, &forced)) {
    for (Isa s : supported_isas())
      if (s == forced) return forced;
  }
  return best_isa();
}
}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
    case Isa::neon: return "neon";
  }
  return "scalar";
}

bool parse_isa(const std::string& name, Isa* out) {
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512, Isa::neon}) {
    if (name == isa_name(isa)) {
      *out = isa;
      return true;
    }
  }
  return false;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out{Isa::scalar};
  const CpuFeatures& f = cpu_features();
#if defined(__x86_64__) || defined(_M_X64)
  if (f.avx2 && f.fma && f.f16c) out.push_back(Isa::avx2);
  if (f.avx2 && f.fma && f.f16c && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq)
    out.push_back(Isa::avx512);
#elif defined(__aarch64__) || defined(_M_ARM64)
  if (f.neon) out.push_back(Isa::neon);
#else
  (void)f;
#endif
  return out;
}

bool cpu_has_avx512_bf16() { return cpu_features().avx512bf16; }

Isa best_isa() { return supported_isas().back(); }

Isa active_isa() {
  int v = g_active.load(std::memory_order_relaxed);
  if (v < 0) {
    int init = static_cast<int>(initial_isa());
    int expected = -1;
    g_active.compare_exchange_strong(expected, init);
    v = g_active.load(std::memory_order_relaxed);
  }
  return static_cast<Isa>(v);
}

bool force_isa(Isa isa) {
  for (Isa s : supported_isas()) {
    if (s == isa) {
      g_active.store(static_cast<int>(isa), std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

}  // namespace attnscan
