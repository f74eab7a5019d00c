// Weight tensors in each stored dtype, from f32 values (rounded as torch's .half()/.bfloat16()).
import type { WeightDType } from '../../lib/kernels/half.js';

const word = new Uint32Array(1);
const word32 = new Float32Array(word.buffer);

export function f32ToBf16(f: number): number {
  word32[0] = f;
  const bits = word[0];
  if ((bits & 0x7fffffff) > 0x7f800000) return (bits >>> 16) | 0x40;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

export function f32ToF16(f: number): number {
  word32[0] = f;
  const x = word[0];
  const sign = (x >>> 16) & 0x8000;
  const abs = x & 0x7fffffff;
  if (abs > 0x7f800000) return sign | 0x7e00;
  if (abs >= 0x477ff000) return sign | 0x7c00;
  if (abs < 0x38800000) return sign | Math.round(Math.abs(word32[0]) * 2 ** 24);
  const v = abs - 0x38000000;
  return sign | (((v + 0xfff + ((v >>> 13) & 1)) >>> 13) & 0x7fff);
}

export function toWeight(values: Float32Array, dims: number[], dtype: WeightDType) {
  if (dtype === 'f32') return { data: values, dims, dtype };
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) bits[i] = dtype === 'f16' ? f32ToF16(values[i]) : f32ToBf16(values[i]);
  return { data: bits, dims, dtype };
}
