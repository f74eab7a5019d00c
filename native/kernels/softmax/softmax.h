// Softmax over the last dimension, f32 in and out (in place allowed: x == y).
//   y_i = exp(x_i - m) / sum_j exp(x_j - m),  m = max_j x_j
// x, y: [rows, n]. -inf entries give 0; a row of only -inf gives zeros (never NaN); a NaN anywhere
// in a row makes the row NaN; +inf gives NaN (as torch). The sum accumulates in f32 lanes; SIMD
// paths within 2e-6 relative (+1e-7 absolute) of the reference (the exp approximation's ~2 ulp).
#pragma once
#include <cstdint>

#include "common/status.h"

namespace attnscan {

using SoftmaxFn = void (*)(const float* x, float* y, int64_t rows, int64_t n);
void softmax_rows_f32_ref(const float* x, float* y, int64_t rows, int64_t n);
void softmax_rows_f32_avx2(const float* x, float* y, int64_t rows, int64_t n);
void softmax_rows_f32_avx512(const float* x, float* y, int64_t rows, int64_t n);
void softmax_rows_f32_neon(const float* x, float* y, int64_t rows, int64_t n);

// A row whose max is -inf: zeros, or NaN if it holds a NaN (shared by every ISA).
void softmax_masked_row(const float* x, float* y, int64_t n);

// Dispatching entry: picks the ISA, splits rows over the pool.
Result softmax_rows_f32(const float* x, float* y, int64_t rows, int64_t n);

}  // namespace attnscan
