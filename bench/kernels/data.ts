// Inputs for the bench cases: seeded (the same numbers every run), shaped like model activations.
import { Rng } from '../../test/helpers/rng.js';
import { Tensor } from '../../lib/tensor.js';

export function randn(seed: number, dims: number[], scale = 1): Tensor<Float32Array> {
  const n = dims.reduce((a, b) => a * b, 1);
  return new Tensor(new Rng(seed).f32(n, scale), dims);
}

export function uniform(seed: number, dims: number[], lo: number, hi: number): Tensor<Float32Array> {
  const n = dims.reduce((a, b) => a * b, 1);
  return new Tensor(new Rng(seed).uniform(n, lo, hi), dims);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits of x, round to nearest even (finite, normal-range inputs are all we need). */
export function toF16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = ((b >>> 23) & 0xff) - 127 + 15;
  let mant = b & 0x7fffff;
  if (exp <= 0) return sign; // |x| < 2^-14: flush (weights in the bench never get there)
  if (exp >= 31) return sign | 0x7c00;
  const round = mant & 0x1fff;
  mant >>>= 13;
  let h = sign | (exp << 10) | mant;
  if (round > 0x1000 || (round === 0x1000 && (mant & 1))) h++;
  return h;
}

/** bfloat16 bits of x, round to nearest even. */
export function toBf16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

export type WeightDtype = 'f32' | 'f16' | 'bf16';

/** A weight tensor in the dtype the linear kernel takes: f32, or raw f16/bf16 bits with a tag. */
export function weight(seed: number, dims: number[], dtype: WeightDtype, scale = 0.02): Tensor<Float32Array> | { data: Uint16Array; dims: number[]; dtype: 'f16' | 'bf16' } {
  const w = randn(seed, dims, scale);
  if (dtype === 'f32') return w;
  const conv = dtype === 'f16' ? toF16Bits : toBf16Bits;
  const bits = new Uint16Array(w.data.length);
  for (let i = 0; i < bits.length; i++) bits[i] = conv(w.data[i]);
  return { data: bits, dims, dtype };
}

/** Copies of a typed array (set() is a memcpy: cheap even for hundreds of MiB). */
export function copies<T extends Float32Array | Uint16Array>(data: T, n: number): T[] {
  const out: T[] = [data];
  for (let i = 1; i < n; i++) {
    const c = new (data.constructor as { new (n: number): T })(data.length);
    c.set(data);
    out.push(c);
  }
  return out;
}

export const MiB = 2 ** 20;
