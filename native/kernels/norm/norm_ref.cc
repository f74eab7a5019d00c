#include <cmath>

#include "kernels/norm/norm.h"

namespace attnscan {

void norm_rms_f32_ref(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float*, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * hidden;
    float* yr = y + r * hidden;
    double ss = 0.0;
    for (int64_t i = 0; i < hidden; ++i) ss += double(xr[i]) * xr[i];
    const float inv = 1.0f / std::sqrt(float(ss / double(hidden)) + eps);
    for (int64_t i = 0; i < hidden; ++i) yr[i] = weight ? (xr[i] * inv) * weight[i] : xr[i] * inv;
  }
}

void norm_layer_f32_ref(const float* x, float* y, int64_t rows, int64_t hidden, const float* weight, const float* bias, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * hidden;
    float* yr = y + r * hidden;
    double sum = 0.0;
    for (int64_t i = 0; i < hidden; ++i) sum += xr[i];
    const float mean = float(sum / double(hidden));
    double ss = 0.0;
    for (int64_t i = 0; i < hidden; ++i) ss += double(xr[i] - mean) * double(xr[i] - mean);
    const float inv = 1.0f / std::sqrt(float(ss / double(hidden)) + eps);
    for (int64_t i = 0; i < hidden; ++i) {
      float v = (xr[i] - mean) * inv;
      if (weight) v *= weight[i];
      yr[i] = bias ? v + bias[i] : v;
    }
  }
}

}  // namespace attnscan
