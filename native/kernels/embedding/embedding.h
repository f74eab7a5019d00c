// Embedding gather: y[t, :] = f32(table[ids[t], :]).
// table: [vocab, dim] f32, or f16/bf16 bits; ids: [count] int32 in [0, vocab); y: [count, dim] f32.
// Conversion is exact (f16 and bf16 widen to f32 without rounding), so every ISA is bit-identical.
#pragma once
#include <cstdint>

#include "common/status.h"
#include "common/weight_dtype.h"

namespace attnscan {

// Widens one row of n 16-bit values (f16 or bf16) into f32.
using EmbeddingRowFn = void (*)(const uint16_t* row, WeightDtype dtype, int64_t n, float* y);
void embedding_row_f32_ref(const uint16_t* row, WeightDtype dtype, int64_t n, float* y);
void embedding_row_f32_avx2(const uint16_t* row, WeightDtype dtype, int64_t n, float* y);
void embedding_row_f32_avx512(const uint16_t* row, WeightDtype dtype, int64_t n, float* y);
void embedding_row_f32_neon(const uint16_t* row, WeightDtype dtype, int64_t n, float* y);

// Dispatching entry: checks every id first (Status::range naming the id and its position, nothing
// written), then gathers rows over the pool (f32 rows are plain copies).
Result embedding_gather(const void* table, WeightDtype dtype, int64_t vocab, int64_t dim, const int32_t* ids,
                        int64_t count, float* y);

}  // namespace attnscan
