// Normalisation over the last dimension, f32 in and out (in place allowed: x == y).
//   rms:   y = x / sqrt(mean(x^2) + eps) * weight                      (LLaMA, T5, Mamba RMSNorm)
//   layer: y = (x - mean(x)) / sqrt(var(x) + eps) * weight + bias      (biased var; BERT, GPT-2)
// x, y: [rows, hidden]; weight, bias: [hidden] (either may be null = 1 / 0). The dispatching
// entries take f32/f16/bf16 weights and widen them once per call; the ISA functions see f32.
// Sums accumulate in f32 lanes (8-32 partial sums; the plain-loop reference in double, as the TS
// twin, since one serial f32 sum drifts by ~1e-5 over 1000 elements); layer norm is two-pass (mean, then squared deviations), so a large
// mean does not cancel the variance. SIMD paths within 2e-6 relative (+2e-6 absolute) of the reference.
#pragma once
#include <cstdint>

#include "common/status.h"
#include "common/weight_dtype.h"

namespace attnscan {

using NormFn = void (*)(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight,
                        const float* bias, float eps);
void norm_rms_f32_ref(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float* bias, float eps);
void norm_rms_f32_avx2(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float* bias, float eps);
void norm_rms_f32_avx512(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float* bias, float eps);
void norm_rms_f32_neon(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float* bias, float eps);
void norm_layer_f32_ref(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float* bias, float eps);
void norm_layer_f32_avx2(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float* bias, float eps);
void norm_layer_f32_avx512(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float* bias, float eps);
void norm_layer_f32_neon(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float* bias, float eps);

// Dispatching entries: widen weight/bias (null = absent), pick the ISA, split rows over the pool.
Result norm_rms_f32(const float* x, float* y, int64_t rows, int64_t hidden, const void* weight,
                    WeightDtype weight_dtype, float eps);
Result norm_layer_f32(const float* x, float* y, int64_t rows, int64_t hidden, const void* weight,
                      WeightDtype weight_dtype, const void* bias, WeightDtype bias_dtype, float eps);

}  // namespace attnscan
