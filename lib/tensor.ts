import { DTypeError, ShapeError } from './errors.js';

export type TensorData = Float32Array | Int32Array | Uint8Array | Uint16Array;

/** Anything shaped like a tensor: dense, row-major, contiguous, dims outermost first. */
export interface TensorLike<T extends TensorData = TensorData> {
  readonly data: T;
  readonly dims: readonly number[];
}

export class Tensor<T extends TensorData = Float32Array> implements TensorLike<T> {
  readonly data: T;
  readonly dims: number[];

  constructor(data: T, dims: readonly number[]) {
    const size = sizeOf(dims, 'dims');
    if (data.length !== size) {
      throw new ShapeError(`Tensor: data has ${data.length} elements, dims [${dims.join(', ')}] imply ${size}`);
    }
    this.data = data;
    this.dims = [...dims];
  }

  get size(): number {
    return this.data.length;
  }
}

/** Element count of dims; throws on a negative, fractional or non-finite dim. */
export function sizeOf(dims: readonly number[], name: string): number {
  if (!Array.isArray(dims)) throw new DTypeError(`${name} must be an array of integers`);
  let n = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${name} must hold non-negative integers, got [${dims.join(', ')}]`);
    }
    n *= d;
  }
  if (n > Number.MAX_SAFE_INTEGER) throw new ShapeError(`${name} [${dims.join(', ')}] is too large`);
  return n;
}

export function zeros(dims: readonly number[]): Tensor<Float32Array> {
  return new Tensor(new Float32Array(sizeOf(dims, 'dims')), dims);
}
