// libFuzzer harness: activation, elementwiseGated, elementwiseBinary (broadcast rows), softmax.
#include "addon/kernel_args.h"
#include "fuzz/fuzz_source.h"

ATTNSCAN_FUZZ_KERNELS(fuzz_kernel(read_activation, run_activation),
                      fuzz_kernel(read_elementwise_gated, run_elementwise_gated),
                      fuzz_kernel(read_elementwise_binary, run_elementwise_binary),
                      fuzz_kernel(read_softmax, run_softmax))
