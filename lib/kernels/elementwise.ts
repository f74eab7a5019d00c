// Elementwise binary ops on hot paths, f32 in and out. Mirrors native/kernels/elementwise/elementwise.h.
// a, y: [rows, n]; b: [rows, n] or [n] broadcast over the rows (bRows = 1):
//   add: y = a + b                mul: y = a * b
// gate, up, y: [n]:
//   siluMul: y = silu(gate) * up                 (LLaMA/Mistral SwiGLU MLP)
//   geluMul: y = gelu_tanh(gate) * up            (T5 v1.1 "gated-gelu": HF gelu_new, the tanh form)
//   geluErfMul: y = gelu(gate) * up              (exact erf form)
// Composed twins (the fused kernels equal act() then mul()): see test/parity/elementwise.test.ts.
import { actApplyF32 } from './act.js';

export type BinaryKind = 'add' | 'mul';
export type GatedKind = 'silu' | 'gelu_tanh' | 'gelu';

export function elementwiseBinaryF32(kind: BinaryKind, a: Float32Array, b: Float32Array, rows: number, n: number, bRows: number, y: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const oa = r * n;
    const ob = bRows === 1 ? 0 : oa;
    if (kind === 'add') for (let i = 0; i < n; i++) y[oa + i] = a[oa + i] + b[ob + i];
    else for (let i = 0; i < n; i++) y[oa + i] = a[oa + i] * b[ob + i];
  }
}

export function elementwiseGatedF32(kind: GatedKind, gate: Float32Array, up: Float32Array, y: Float32Array): void {
  actApplyF32(kind, gate, y);
  for (let i = 0; i < y.length; i++) y[i] *= up[i];
}
