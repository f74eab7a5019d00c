// Normalisation over the last dimension, f32 in and out. Mirrors native/kernels/norm/norm.h:
//   rmsNorm:   y = x / sqrt(mean(x^2) + eps) * weight                     (LLaMA, T5, Mamba)
//   layerNorm: y = (x - mean(x)) / sqrt(var(x) + eps) * weight + bias     (biased var; BERT, GPT-2)
// x, y: [rows, hidden]; weight, bias: [hidden] as f32 (already converted from f16/bf16), or null.
// Means are accumulated in double here (f32 lanes in the native kernels); layerNorm is two-pass,
// so a large mean does not cancel the variance.

export function normRmsF32(
  x: Float32Array,
  rows: number,
  hidden: number,
  weight: Float32Array | null,
  eps: number,
  y: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * hidden;
    let ss = 0;
    for (let i = 0; i < hidden; i++) ss += x[o + i] * x[o + i];
    const inv = Math.fround(1 / Math.sqrt(Math.fround(ss / hidden) + eps));
    for (let i = 0; i < hidden; i++) {
      const v = Math.fround(x[o + i] * inv);
      y[o + i] = weight ? v * weight[i] : v;
    }
  }
}

export function normLayerF32(
  x: Float32Array,
  rows: number,
  hidden: number,
  weight: Float32Array | null,
  bias: Float32Array | null,
  eps: number,
  y: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * hidden;
    let sum = 0;
    for (let i = 0; i < hidden; i++) sum += x[o + i];
    const mean = Math.fround(sum / hidden);
    let ss = 0;
    for (let i = 0; i < hidden; i++) {
      const d = x[o + i] - mean;
      ss += d * d;
    }
    const inv = Math.fround(1 / Math.sqrt(Math.fround(ss / hidden) + eps));
    for (let i = 0; i < hidden; i++) {
      let v = Math.fround(Math.fround(x[o + i] - mean) * inv);
      if (weight) v = Math.fround(v * weight[i]);
      y[o + i] = bias ? v + bias[i] : v;
    }
  }
}
