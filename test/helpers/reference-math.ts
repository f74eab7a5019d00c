// Plain double-precision building blocks for hand-written model references in tests (independent
// of the kernels and their twins): activations by formula, matrix-vector products, norms.
export type RefTensor = { data: Float32Array; dims: number[] };

/** erf: its Taylor series below 2, a continued fraction above (double precision is plenty here). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 60; n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f));
}

export const refActs: Record<string, (x: number) => number> = {
  relu: (x) => Math.max(0, x),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_new: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  silu: (x) => x / (1 + Math.exp(-x)),
};

/** w [out, in] · x [in] (+ bias [out]). */
export function matvec(w: RefTensor, x: ArrayLike<number>, bias?: RefTensor): Float64Array {
  const [rows, cols] = w.dims;
  const y = new Float64Array(rows);
  for (let o = 0; o < rows; o++) {
    let s = bias ? bias.data[o] : 0;
    for (let i = 0; i < cols; i++) s += w.data[o * cols + i] * x[i];
    y[o] = s;
  }
  return y;
}

export function refRmsNorm(x: Float64Array, w: RefTensor, eps: number): Float64Array {
  const ms = x.reduce((s, v) => s + v * v, 0) / x.length;
  return x.map((v, i) => (v / Math.sqrt(ms + eps)) * w.data[i]);
}

export function refLayerNorm(x: Float64Array, w: RefTensor, b: RefTensor, eps: number): Float64Array {
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
  return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * w.data[i] + b.data[i]);
}
