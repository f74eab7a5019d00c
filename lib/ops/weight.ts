// Weight tensors as models keep them: f32 data, or f16/bf16 bits in a Uint16Array with a dtype tag
// ({ data, dims, dtype: 'f16' | 'bf16' }). Validated here once for every kernel that takes weights.
import type { WeightData, WeightDType } from '../kernels/half.js';
import { DTypeError } from '../errors.js';
import type { TensorLike } from '../tensor.js';
import { tensorArg } from './validate.js';

export interface WeightTensor {
  readonly data: WeightData;
  readonly dims: readonly number[];
  /** 'f32' (default for Float32Array data), 'f16' or 'bf16' (Uint16Array data). */
  readonly dtype?: WeightDType;
}

export interface CheckedWeight extends TensorLike<WeightData> {
  readonly dtype: WeightDType;
}

export function weightArg(kernel: string, name: string, value: unknown, rank: number): CheckedWeight {
  const v = value as { data?: unknown; dtype?: unknown } | null;
  const tag = v && typeof v === 'object' ? v.dtype : undefined;
  if (tag !== undefined && tag !== 'f32' && tag !== 'f16' && tag !== 'bf16') {
    throw new DTypeError(`${kernel}: ${name}.dtype must be 'f32', 'f16' or 'bf16', got ${JSON.stringify(tag)}`);
  }
  if (tag === 'f16' || tag === 'bf16') {
    const t = tensorArg(kernel, name, value, Uint16Array, rank);
    return { data: t.data, dims: t.dims, dtype: tag };
  }
  if (v && typeof v === 'object' && v.data instanceof Uint16Array) {
    throw new DTypeError(`${kernel}: ${name} holds a Uint16Array without dtype 'f16' or 'bf16'`);
  }
  const t = tensorArg(kernel, name, value, Float32Array, rank);
  return { data: t.data, dims: t.dims, dtype: 'f32' };
}

export function optionalWeightArg(kernel: string, name: string, value: unknown, rank: number): CheckedWeight | undefined {
  return value === undefined || value === null ? undefined : weightArg(kernel, name, value, rank);
}

/** Rank of a tensor-like value, 0 when it is not one (tensorArg then reports the real problem). */
export function rankOf(value: unknown): number {
  const t = value as TensorLike | null;
  return t && typeof t === 'object' && Array.isArray(t.dims) ? t.dims.length : 0;
}
