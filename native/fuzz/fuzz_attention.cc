// libFuzzer harness: attention masks, bias (shared and batched), causal offset (seqK != seqQ), GQA/MQA, scale.
#include "addon/kernel_args.h"
#include "fuzz/fuzz_source.h"

ATTNSCAN_FUZZ_KERNELS(fuzz_kernel(read_attention, run_attention))
