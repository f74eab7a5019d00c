// Fused projections over one x. Mirrors native/kernels/matmul/matmul.h (matmul_linear_group,
// matmul_gated_linear); each is the composition of the plain twins it replaces:
//   linearGroup: y_i [rows, out_i] = x [rows, in] · w_iᵀ + b_i for every part i (q/k/v)
//   gatedLinear: h [rows, out] = act(x · gateᵀ + gate_b) * (x · upᵀ + up_b) (SwiGLU, gated GELU)
import { elementwiseGatedF32, type GatedKind } from './elementwise.js';
import { linearBf16, linearF16, linearF32, type WeightDType } from './matmul.js';

export interface LinearPart {
  w: Float32Array | Uint16Array;
  dtype: WeightDType;
  bias: Float32Array | undefined;
  y: Float32Array;
  outF: number;
}

function linearAny(x: Float32Array, p: LinearPart, rows: number, inF: number): void {
  if (p.dtype === 'f32') linearF32(x, p.w as Float32Array, p.bias, p.y, rows, inF, p.outF);
  else if (p.dtype === 'f16') linearF16(x, p.w as Uint16Array, p.bias, p.y, rows, inF, p.outF);
  else linearBf16(x, p.w as Uint16Array, p.bias, p.y, rows, inF, p.outF);
}

export function linearGroupF32(x: Float32Array, parts: readonly LinearPart[], rows: number, inF: number): void {
  for (const p of parts) linearAny(x, p, rows, inF);
}

export function gatedLinearF32(
  kind: GatedKind, x: Float32Array, gate: LinearPart, up: LinearPart, h: Float32Array, rows: number, inF: number,
): void {
  linearAny(x, gate, rows, inF);
  linearAny(x, up, rows, inF);
  elementwiseGatedF32(kind, gate.y, up.y, h);
}
