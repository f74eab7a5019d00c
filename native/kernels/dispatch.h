// The one place that turns CPU features into the ISA every kernel family dispatches on.
// Families read active_isa() at each call (one relaxed atomic load), so tests and benchmarks can
// force a path at run time (ATTNSCAN_ISA at load, or force_isa()).
#pragma once
#include <string>
#include <vector>

namespace attnscan {

enum class Isa { scalar = 0, avx2 = 1, avx512 = 2, neon = 3 };

const char* isa_name(Isa isa);
bool parse_isa(const std::string& name, Isa* out);

// ISAs this binary was built with and this CPU runs, best last.
std::vector<Isa> supported_isas();
Isa best_isa();
Isa active_isa();
// False (and nothing changes) if the ISA is not supported here.
bool force_isa(Isa isa);
// AVX-512 BF16 dot products (vdpbf16ps) are an extra the avx512 path may use only when this says so.
bool cpu_has_avx512_bf16();


// Picks a family's implementation for the active ISA; a missing variant (nullptr) falls back to
// the reference. Wrap ISA symbols in ATTNSCAN_X86()/ATTNSCAN_ARM() so each arch links only its own.
template <class Fn>
Fn pick(Fn ref, Fn avx2, Fn avx512, Fn neon) {
  Fn chosen = nullptr;
  switch (active_isa()) {
    case Isa::avx512: chosen = avx512; break;
    case Isa::avx2: chosen = avx2; break;
    case Isa::neon: chosen = neon; break;
    case Isa::scalar: break;
  }
  return chosen ? chosen : ref;
}

}  // namespace attnscan

#if defined(__x86_64__) || defined(_M_X64)
#define ATTNSCAN_X86(fn) (fn)
#define ATTNSCAN_ARM(fn) nullptr
#elif defined(__aarch64__) || defined(_M_ARM64)
#define ATTNSCAN_X86(fn) nullptr
#define ATTNSCAN_ARM(fn) (fn)
#else
#define ATTNSCAN_X86(fn) nullptr
#define ATTNSCAN_ARM(fn) nullptr
#endif
