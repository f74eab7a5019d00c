#include "kernels/probe/probe.h"

namespace attnscan {

// Baseline build: the compiler may vectorize these loops with SSE2 (mul + add, no FMA), which is
// the honest peak of the scalar path.
double probe_fma_f32_ref(int64_t iters, float* sink) {
  constexpr int kAcc = 16;
  const float a = 1.0f - 1.0f / 1024, b = 1.0f / 1024;
  float acc[kAcc];
  for (int j = 0; j < kAcc; ++j) acc[j] = float(j) / kAcc;
  for (int64_t i = 0; i < iters; ++i)
    for (int j = 0; j < kAcc; ++j) acc[j] = acc[j] * a + b;
  float s = 0;
  for (int j = 0; j < kAcc; ++j) s += acc[j];
  *sink = s;
  return 2.0 * kAcc * double(iters);
}

float probe_read_f32_ref(const float* x, int64_t n) {
  float s[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) s[j] += x[i + j];
  for (; i < n; ++i) s[0] += x[i];
  float t = 0;
  for (float v : s) t += v;
  return t;
}

void probe_copy_f32_ref(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i];
}

void probe_triad_f32_ref(const float* x, const float* z, float s, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] + s * z[i];
}

}  // namespace attnscan
