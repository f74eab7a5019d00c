// LayerNorm (weight + bias, torch semantics) and RMSNorm (x * rsqrt(mean(x²) + eps) * weight:
// LLaMA, T5 — T5's variant has no mean subtraction and no bias, which is exactly RMSNorm).
import type { Weights } from '../weights.js';
import type { Map1 } from './context.js';
import type { Ops } from './ops.js';

export function layerNorm(ops: Ops, w: Weights, name: string, hidden: number, eps: number): Map1 {
  const weight = w.get(`${name}.weight`, [hidden]);
  const bias = w.get(`${name}.bias`, [hidden]);
  return (x) => ops.layerNorm(x, weight, bias, eps);
}

export function rmsNorm(ops: Ops, w: Weights, name: string, hidden: number, eps: number): Map1 {
  const weight = w.get(`${name}.weight`, [hidden]);
  return (x) => ops.rmsNorm(x, weight, eps);
}
