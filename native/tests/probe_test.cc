#include "kernels/probe/probe.h"
#include "tests/check.h"

namespace attnscan {

// The probes' loops compute what they claim (so the bandwidth they report moved real data), on
// lengths that are not a multiple of any vector width.
ATTNSCAN_TEST("probe: read, copy and triad of every ISA match the reference") {
  test::Rng rng(11);
  for (int64_t n : {1, 5, 16, 67, 1000, 4099}) {
    std::vector<float> x = rng.normals(size_t(n)), z = rng.normals(size_t(n));
    const size_t len_n = static_cast<size_t>(n);
    std::vector<float> copy_ref(len_n), triad_ref(len_n), got(len_n);
    const float sum_ref = probe_read_f32_ref(x.data(), n);
    probe_copy_f32_ref(x.data(), copy_ref.data(), n);
    probe_triad_f32_ref(x.data(), z.data(), 0.5f, triad_ref.data(), n);
    const std::string len = "/n" + std::to_string(n);
    for (Isa isa : supported_isas()) {
      const std::string label = std::string("probe/") + isa_name(isa);
      force_isa(isa);
      const auto read = pick<ProbeReadFn>(probe_read_f32_ref, ATTNSCAN_X86(probe_read_f32_avx2),
                                          ATTNSCAN_X86(probe_read_f32_avx512), ATTNSCAN_ARM(probe_read_f32_neon));
      const auto copy = pick<ProbeCopyFn>(probe_copy_f32_ref, ATTNSCAN_X86(probe_copy_f32_avx2),
                                          ATTNSCAN_X86(probe_copy_f32_avx512), ATTNSCAN_ARM(probe_copy_f32_neon));
      const auto triad = pick<ProbeTriadFn>(probe_triad_f32_ref, ATTNSCAN_X86(probe_triad_f32_avx2),
                                            ATTNSCAN_X86(probe_triad_f32_avx512), ATTNSCAN_ARM(probe_triad_f32_neon));
      const float sum = read(x.data(), n);
      test::expect_close(&sum, &sum_ref, 1, 1e-3f, 1e-4f, label + "/read" + len);
      copy(x.data(), got.data(), n);
      test::expect_close(got.data(), copy_ref.data(), size_t(n), 0, 0, label + "/copy" + len);
      triad(x.data(), z.data(), 0.5f, got.data(), n);
      test::expect_close(got.data(), triad_ref.data(), size_t(n), 1e-6f, 1e-6f, label + "/triad" + len);
    }
  }
}

ATTNSCAN_TEST("probe: FMA and memory entries report positive rates on every ISA") {
  for (Isa isa : supported_isas()) {
    force_isa(isa);
    ProbeFmaResult f;
    const std::string label = std::string("probe/") + isa_name(isa);
    if (!probe_fma_f32(0.005, 1, &f).ok() || !(f.gflops > 0) || !std::isfinite(f.sink)) {
      std::fprintf(stderr, "  FAIL %s/fma: %g GFLOP/s, sink %g\n", label.c_str(), f.gflops, double(f.sink));
      ++test::failures();
    }
    ProbeMemoryResult m;
    if (!probe_memory_f32(int64_t(3) << 20, 1, &m).ok() || !(m.read_gbs > 0 && m.copy_gbs > 0 && m.triad_gbs > 0)) {
      std::fprintf(stderr, "  FAIL %s/memory: %g %g %g GB/s\n", label.c_str(), m.read_gbs, m.copy_gbs, m.triad_gbs);
      ++test::failures();
    }
  }
}

}  // namespace attnscan
