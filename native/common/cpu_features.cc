#include "common/cpu_features.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#include <cstdint>
#endif

namespace attnscan {

#if defined(__x86_64__) || defined(_M_X64)
namespace {
// The OS must save the wide registers too, or the instructions fault: XCR0 says which it saves.
uint64_t read_xcr0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (uint64_t(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & (1u << 27);
  const bool fma = c & (1u << 12), f16c = c & (1u << 29);
  if (!osxsave) return f;
  const uint64_t xcr0 = read_xcr0();
  const bool ymm_saved = (xcr0 & 0x6) == 0x6;
  const bool zmm_saved = (xcr0 & 0xe6) == 0xe6;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  f.avx2 = ymm_saved && (b & (1u << 5));
  f.fma = ymm_saved && fma;
  f.f16c = ymm_saved && f16c;
  f.avx512f = zmm_saved && (b & (1u << 16));
  f.avx512dq = zmm_saved && (b & (1u << 17));
  f.avx512bw = zmm_saved && (b & (1u << 30));
  f.avx512vl = zmm_saved && (b & (1u << 31));
  f.avx512vnni = zmm_saved && (c & (1u << 11));
  unsigned a1, b1, c1, d1;
  if (__get_cpuid_count(7, 1, &a1, &b1, &c1, &d1)) f.avx512bf16 = zmm_saved && (a1 & (1u << 5));
  return f;
}
}  // namespace
#else
namespace {
CpuFeatures detect() {
  CpuFeatures f;
#if defined(__aarch64__) || defined(_M_ARM64)
  f.neon = true;  // Advanced SIMD is mandatory on AArch64.
#endif
  return f;
}
}  // namespace
#endif

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace attnscan
