// linear: y = x · Wᵀ + b (PyTorch nn.Linear). Mirrors native/kernels/matmul/matmul.h:
//   x:    [rows, in]   f32
//   w:    [out, in]    f32, or f16 / bf16 raw bits (Uint16Array), converted to f32 exactly
//   bias: [out]        f32, optional
//   residual: [rows, out] f32, optional (a pre-norm block's skip connection); may be y itself
//   y:    [rows, out]  f32;  y[r, o] = sum_k x[r, k] * w[o, k] + bias[o] + residual[r, o]
// Accumulation f32 (here f64 per dot product, then rounded); SIMD paths reorder the sum, so
// results agree to about 1e-6 relative to sum_k |x[r, k] * w[o, k]|.
import { decodeBf16, decodeF16 } from './half.js';

export type WeightDType = 'f32' | 'f16' | 'bf16';

/** One output row at a time: its weights stay in cache while every x row reads them. */
function linearRows(
  x: Float32Array,
  wRow: (o: number) => Float32Array,
  bias: Float32Array | undefined,
  y: Float32Array,
  rows: number,
  inF: number,
  outF: number,
  residual: Float32Array | undefined,
): void {
  for (let o = 0; o < outF; o++) {
    const w = wRow(o);
    const b = bias ? bias[o] : 0;
    for (let r = 0; r < rows; r++) {
      const xo = r * inF;
      let acc = 0;
      for (let k = 0; k < inF; k++) acc += x[xo + k] * w[k];
      y[r * outF + o] = acc + b + (residual ? residual[r * outF + o] : 0);
    }
  }
}

export function linearF32(
  x: Float32Array, w: Float32Array, bias: Float32Array | undefined, y: Float32Array, rows: number, inF: number, outF: number,
  residual?: Float32Array,
): void {
  linearRows(x, (o) => w.subarray(o * inF, (o + 1) * inF), bias, y, rows, inF, outF, residual);
}

export function linearF16(
  x: Float32Array, w: Uint16Array, bias: Float32Array | undefined, y: Float32Array, rows: number, inF: number, outF: number,
  residual?: Float32Array,
): void {
  const row = new Float32Array(inF);
  linearRows(x, (o) => (decodeF16(w, o * inF, row, inF), row), bias, y, rows, inF, outF, residual);
}

export function linearBf16(
  x: Float32Array, w: Uint16Array, bias: Float32Array | undefined, y: Float32Array, rows: number, inF: number, outF: number,
  residual?: Float32Array,
): void {
  const row = new Float32Array(inF);
  linearRows(x, (o) => (decodeBf16(w, o * inF, row, inF), row), bias, y, rows, inF, outF, residual);
}
