// CPU feature detection. Read only by kernels/dispatch.cc, which picks the ISA at load time.
#pragma once

namespace attnscan {

struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512bf16 = false, avx512vnni = false;
  bool neon = false;
};

const CpuFeatures& cpu_features();

}  // namespace attnscan
