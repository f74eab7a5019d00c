// libFuzzer harness: rmsNorm and layerNorm: optional f32 / f16 / bf16 weight and bias, eps.
#include "addon/kernel_args.h"
#include "fuzz/fuzz_source.h"

ATTNSCAN_FUZZ_KERNELS(fuzz_kernel(read_rms_norm, run_rms_norm), fuzz_kernel(read_layer_norm, run_layer_norm))
