// libFuzzer harness, Mamba: selectiveScan (prefill and step, optional D/z/deltaBias, state in and
// in place) and causalConv1d (prefill and step, state).
#include "addon/kernel_args.h"
#include "fuzz/fuzz_source.h"

ATTNSCAN_FUZZ_KERNELS(fuzz_kernel(read_selective_scan, run_selective_scan),
                      fuzz_kernel(read_causal_conv1d, run_causal_conv1d))
