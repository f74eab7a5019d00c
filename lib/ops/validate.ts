// Argument checks shared by every kernel's TS entry: the friendly first line of defence (the
// addon checks again). Messages read "<kernel>: <name> ... expected ..., got ...".
import { DTypeError, ShapeError, ValueRangeError } from '../errors.js';
import { sizeOf, Tensor, type TensorData, type TensorLike } from '../tensor.js';

type ArrayCtor<T extends TensorData> = { new (n: number): T; name: string };

function fmt(dims: readonly (number | undefined)[]): string {
  return `[${dims.map((d) => (d === undefined ? '*' : String(d))).join(', ')}]`;
}

/** A tensor argument with its element type and rank checked; returns it for destructuring. */
export function tensorArg<T extends TensorData>(
  kernel: string,
  name: string,
  value: unknown,
  ctor: ArrayCtor<T>,
  rank: number,
): TensorLike<T> {
  if (value === null || typeof value !== 'object') {
    throw new DTypeError(`${kernel}: ${name} must be a tensor { data: ${ctor.name}, dims }, got ${value === null ? 'null' : typeof value}`);
  }
  const t = value as { data?: unknown; dims?: unknown };
  if (!(t.data instanceof ctor)) {
    const got = t.data === undefined ? 'undefined' : (t.data as object)?.constructor?.name ?? typeof t.data;
    throw new DTypeError(`${kernel}: ${name}.data must be a ${ctor.name}, got ${got}`);
  }
  if (!Array.isArray(t.dims) || t.dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`${kernel}: ${name}.dims must be an array of non-negative integers`);
  }
  if (t.dims.length !== rank) {
    throw new ShapeError(`${kernel}: ${name} must have rank ${rank}, got dims ${fmt(t.dims)}`);
  }
  let size = 1;
  for (const d of t.dims) size *= d;
  const data = t.data as T;
  if (data.length !== size) {
    const detached = data.byteLength === 0 && size > 0 ? ' (is its buffer detached?)' : '';
    throw new ShapeError(`${kernel}: ${name} has ${data.length} elements, dims ${fmt(t.dims)} imply ${size}${detached}`);
  }
  return t as TensorLike<T>;
}

export function optionalTensorArg<T extends TensorData>(
  kernel: string,
  name: string,
  value: unknown,
  ctor: ArrayCtor<T>,
  rank: number,
): TensorLike<T> | undefined {
  return value === undefined || value === null ? undefined : tensorArg(kernel, name, value, ctor, rank);
}

/** dims must equal expected where expected is a number (undefined = any). */
export function expectDims(kernel: string, name: string, dims: readonly number[], expected: readonly (number | undefined)[]): void {
  const ok = dims.length === expected.length && expected.every((e, i) => e === undefined || e === dims[i]);
  if (!ok) throw new ShapeError(`${kernel}: ${name} dims ${fmt(dims)} do not match the expected ${fmt(expected)}`);
}

/** A number option the kernels use as a float32: finite after rounding to one. */
export function f32Option(kernel: string, name: string, value: unknown, fallback: number): number {
  const v = numberOption(kernel, name, value, fallback);
  if (!Number.isFinite(Math.fround(v))) throw new ValueRangeError(`${kernel}: ${name} must be finite as a float32, got ${v}`);
  return v;
}

export function numberOption(kernel: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number') throw new DTypeError(`${kernel}: ${name} must be a number, got ${typeof value}`);
  if (!Number.isFinite(value)) throw new ValueRangeError(`${kernel}: ${name} must be finite, got ${value}`);
  return value;
}

export function intOption(kernel: string, name: string, value: unknown, fallback: number, min: number, max: number): number {
  const v = numberOption(kernel, name, value, fallback);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ValueRangeError(`${kernel}: ${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
  return v;
}

export function boolOption(kernel: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new DTypeError(`${kernel}: ${name} must be a boolean, got ${typeof value}`);
  return value;
}

export function enumOption<T extends string>(kernel: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new ValueRangeError(`${kernel}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function argsObject(kernel: string, args: unknown): Record<string, unknown> {
  if (args === null || typeof args !== 'object') {
    throw new DTypeError(`${kernel}: expected an argument object, got ${args === null ? 'null' : typeof args}`);
  }
  return args as Record<string, unknown>;
}

/** Whether two views share a byte (views of nothing share none). */
export function sharesMemory(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteLength > 0 && b.byteLength > 0 &&
    a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * The output of a kernel that accepts a caller-provided `out` (a model reusing its buffers skips
 * the allocation and zero-fill, which costs as much as a one-pass kernel): a Float32Array tensor
 * with exactly `dims`, attached, sharing no bytes with any of `inputs` — except the names in
 * `inPlace`, which it may equal exactly (same buffer, offset and length: an elementwise kernel
 * reads element i before writing it). Without `out`, a fresh tensor from `fresh` (zeroed by
 * default; lib/ops/alloc.ts's uninitializedF32 for a kernel that writes every element).
 */
export function outArg(
  kernel: string,
  value: unknown,
  dims: readonly number[],
  inputs: Record<string, ArrayBufferView | null | undefined>,
  inPlace: readonly string[] = [],
  fresh: (n: number) => Float32Array = (n) => new Float32Array(n),
): Tensor {
  if (value === undefined || value === null) return new Tensor(fresh(sizeOf(dims, 'dims')), dims);
  const out = tensorArg(kernel, 'out', value, Float32Array, dims.length);
  expectDims(kernel, 'out', out.dims, dims);
  const o = out.data;
  for (const [name, v] of Object.entries(inputs)) {
    if (!v || !sharesMemory(v, o)) continue;
    const same = v.byteOffset === o.byteOffset && v.byteLength === o.byteLength;
    if (same && inPlace.includes(name)) continue;
    const allowed = inPlace.length ? ` (only ${inPlace.join(' or ')} may be passed as out itself)` : '';
    throw new ValueRangeError(`${kernel}: out shares memory with ${name}${allowed}`);
  }
  return out instanceof Tensor ? out : new Tensor(o, out.dims);
}
