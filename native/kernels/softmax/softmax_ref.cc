#include <cmath>
#include <limits>

#include "kernels/softmax/softmax.h"

namespace attnscan {

void softmax_masked_row(const float* x, float* y, int64_t n) {
  float fill = 0.0f;
  for (int64_t i = 0; i < n; ++i)
    if (std::isnan(x[i])) fill = std::numeric_limits<float>::quiet_NaN();
  for (int64_t i = 0; i < n; ++i) y[i] = fill;
}

void softmax_rows_f32_ref(const float* x, float* y, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < n; ++i) m = xr[i] > m ? xr[i] : m;
    if (m == -std::numeric_limits<float>::infinity()) {
      softmax_masked_row(xr, yr, n);
      continue;
    }
    float sum = 0.0f;
    for (int64_t i = 0; i < n; ++i) {
      yr[i] = std::exp(xr[i] - m);
      sum += yr[i];
    }
    const float inv = 1.0f / sum;
    for (int64_t i = 0; i < n; ++i) yr[i] *= inv;
  }
}

}  // namespace attnscan
