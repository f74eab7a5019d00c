// libFuzzer harness: kvAppend: f32 / f16 caches, batch, capacity and the row offset.
#include "addon/kernel_args.h"
#include "fuzz/fuzz_source.h"

ATTNSCAN_FUZZ_KERNELS(fuzz_kernel(read_kv_append, run_kv_append))
