// libFuzzer harness: linear, linearGroup and gatedLinear: f32 / f16 / bf16 weights, optional
// biases, GEMV and GEMM row counts, 1-8 group parts, gate activations.
#include "addon/kernel_args.h"
#include "fuzz/fuzz_source.h"

ATTNSCAN_FUZZ_KERNELS(fuzz_kernel(read_linear, run_linear), fuzz_kernel(read_linear_group, run_linear_group),
                      fuzz_kernel(read_gated_linear, run_gated_linear))
