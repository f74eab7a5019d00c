// Mamba's causal depthwise conv1d (Dao-AILab/causal-conv1d causal_conv1d_ref and
// causal_conv1d_update_ref), f32, token-major. Mirrors native/kernels/conv/conv.h:
//   x [batch, seqLen, dim]   weight [dim, width]   bias [dim] (optional)
//   state [batch, dim, width-1] (the width-1 inputs before x, oldest first; zeros when null)
//   -> y [batch, seqLen, dim], newState [batch, dim, width-1] (the last width-1 inputs of
//   state ++ x, oldest first).
//   y[t, d] = act(bias[d] + sum_k weight[d, k] * xin[t - (width-1) + k, d])
// where xin is x with the state prepended; tap width-1 multiplies the current token.
// act is SiLU or the identity. convCausalF32 is the prefill; convStepF32 the decode step.

export type ConvActivation = 'silu' | 'none';

export interface ConvShape {
  batch: number;
  seqLen: number;
  dim: number;
  width: number;
}

export function convCausalF32(
  s: ConvShape,
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  state: Float32Array | null,
  activation: ConvActivation,
  y: Float32Array,
  newState: Float32Array,
): void {
  const { batch, seqLen, dim, width } = s;
  const hist = width - 1;
  // No input and no state to carry: nothing is read or written, whatever batch and dim claim.
  if (seqLen === 0 && hist === 0) return;
  for (let b = 0; b < batch; b++) {
    for (let d = 0; d < dim; d++) {
      // The input at position p in [-hist, seqLen): state for p < 0, x otherwise.
      const at = (p: number): number =>
        p >= 0 ? x[(b * seqLen + p) * dim + d] : state ? state[(b * dim + d) * hist + hist + p] : 0;
      for (let t = 0; t < seqLen; t++) {
        let acc = bias ? bias[d] : 0;
        for (let k = 0; k < width; k++) acc += weight[d * width + k] * at(t - hist + k);
        y[(b * seqLen + t) * dim + d] = activation === 'silu' ? acc / (1 + Math.exp(-acc)) : acc;
      }
      for (let j = 0; j < hist; j++) newState[(b * dim + d) * hist + j] = at(seqLen - hist + j);
    }
  }
}

/** One decode step (seqLen 1): shifts the rolling state by one input. */
export function convStepF32(
  s: ConvShape,
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  state: Float32Array | null,
  activation: ConvActivation,
  y: Float32Array,
  newState: Float32Array,
): void {
  convCausalF32({ ...s, seqLen: 1 }, x, weight, bias, state, activation, y, newState);
}
