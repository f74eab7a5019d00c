// libFuzzer harness: linear: f32 / f16 / bf16 weights, optional bias, GEMV and GEMM row counts.
#include "addon/kernel_args.h"
#include "fuzz/fuzz_source.h"

ATTNSCAN_FUZZ_KERNELS(fuzz_kernel(read_linear, run_linear))
