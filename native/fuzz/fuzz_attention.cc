// libFuzzer harness: attention masks, bias (shared and batched), causal offset (seqK != seqQ), GQA/MQA, scale;
// raggedAttention's per-row keys, masks and biases; kvDtype (f32 / f16 K and V, lengths in elements of it).
#include "addon/kernel_args.h"
#include "fuzz/fuzz_source.h"

ATTNSCAN_FUZZ_KERNELS(fuzz_kernel(read_attention, run_attention), fuzz_kernel(read_ragged_attention, run_ragged_attention))
