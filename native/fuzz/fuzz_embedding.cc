// libFuzzer harness: embedding: token ids (any int32, out of vocab included), f32 / f16 / bf16 tables.
#include "addon/kernel_args.h"
#include "fuzz/fuzz_source.h"

ATTNSCAN_FUZZ_KERNELS(fuzz_kernel(read_embedding, run_embedding))
