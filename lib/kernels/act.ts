// Elementwise activations, f32 in and out, in place allowed (x === y). Mirrors
// native/kernels/act/act.h:
//   silu(x)      = x * sigmoid(x) = x / (1 + exp(-x))
//   gelu(x)      = 0.5 x (1 + erf(x / sqrt 2))                         (exact, BERT/BART)
//   gelu_tanh(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))     (GPT-2 "gelu_new")
//   relu(x)      = max(x, 0)                                           (T5)

export type ActKind = 'silu' | 'gelu' | 'gelu_tanh' | 'relu';
export const ACT_KINDS: readonly ActKind[] = ['silu', 'gelu', 'gelu_tanh', 'relu'];

/**
 * erfc(x) for x >= 0: the Taylor series of erf below 0.5, Numerical Recipes' erfcc above
 * (fractional error < 1.2e-7 everywhere, and no cancellation in the tail).
 */
export function erfcPos(x: number): number {
  if (x < 0.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 12; n++) {
      term *= -x2 / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  const t = 1 / (1 + 0.5 * x);
  const p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * Math.exp(-x * x + p);
}

/** 1 + erf(z), accurate on both sides (for z < 0 it is erfc(-z) directly). */
function onePlusErf(z: number): number {
  return z >= 0 ? 2 - erfcPos(z) : erfcPos(-z);
}

export function actApplyF32(kind: ActKind, x: Float32Array, y: Float32Array): void {
  const n = x.length;
  switch (kind) {
    case 'silu':
      for (let i = 0; i < n; i++) y[i] = x[i] / (1 + Math.exp(-x[i]));
      break;
    case 'gelu':
      for (let i = 0; i < n; i++) y[i] = 0.5 * x[i] * onePlusErf(x[i] * Math.SQRT1_2);
      break;
    case 'gelu_tanh':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        y[i] = 0.5 * v * (1 + Math.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
      }
      break;
    case 'relu':
      for (let i = 0; i < n; i++) y[i] = x[i] > 0 || Number.isNaN(x[i]) ? x[i] : 0;
      break;
  }
}
