// libFuzzer harness: rope: positions (any int32), rotaryDim <= headDim, interleaved, scaling.
#include "addon/kernel_args.h"
#include "fuzz/fuzz_source.h"

ATTNSCAN_FUZZ_KERNELS(fuzz_kernel(read_rope, run_rope))
