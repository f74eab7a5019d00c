// Inputs for the bench cases: seeded (the same numbers every run), shaped like model activations.
import { Rng } from '../../test/helpers/rng.js';
import { Tensor } from '../../lib/tensor.js';

export function randn(seed: number, dims: number[], scale = 1): Tensor<Float32Array> {
  const n = dims.reduce((a, b) => a * b, 1);
  return new Tensor(new Rng(seed).f32(n, scale), dims);
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
