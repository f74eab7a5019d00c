#include <cmath>

#include "kernels/scan/scan.h"

namespace attnscan {

namespace {
inline float softplus(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }
inline float silu(float x) { return x / (1.0f + std::exp(-x)); }

// One channel over steps [0, seq_len), its state in h (d_state floats).
void channel(const ScanArgs& a, int64_t b, int64_t d, float* h) {
  const int64_t N = a.d_state, L = a.seq_len, dim = a.dim, G = a.groups;
  const int64_t g = d / (dim / G);
  for (int64_t t = 0; t < L; ++t) {
    const int64_t i = (b * L + t) * dim + d;
    float dt = a.delta[i] + (a.delta_bias ? a.delta_bias[d] : 0.0f);
    if (a.delta_softplus) dt = softplus(dt);
    const float u = a.u[i];
    const float* Bt = a.B + ((b * L + t) * G + g) * N;
    const float* Ct = a.C + ((b * L + t) * G + g) * N;
    float acc = 0.0f;
    for (int64_t n = 0; n < N; ++n) {
      h[n] = std::exp(dt * a.A[d * N + n]) * h[n] + dt * Bt[n] * u;
      acc += Ct[n] * h[n];
    }
    float out = acc + (a.D ? a.D[d] * u : 0.0f);
    if (a.z) out *= silu(a.z[i]);
    a.y[i] = out;
  }
}
}  // namespace

// The state is carried directly in last_state (state may alias nothing, so copy it in first).
void scan_selective_f32_ref(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float*) {
  const int64_t N = a.d_state;
  for (int64_t d = d0; d < d1; ++d) {
    float* h = a.last_state + (b * a.dim + d) * N;
    for (int64_t n = 0; n < N; ++n) h[n] = a.state ? a.state[(b * a.dim + d) * N + n] : 0.0f;
    channel(a, b, d, h);
  }
}

void scan_step_f32_ref(const ScanArgs& a, int64_t b, int64_t d0, int64_t d1, float* scratch) {
  scan_selective_f32_ref(a, b, d0, d1, scratch);
}

}  // namespace attnscan
