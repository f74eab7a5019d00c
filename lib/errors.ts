// Named errors, each extending the built-in class users already test for, each with a stable
// `code`. Messages name the tensor or file, the expected and the actual value.

export class ShapeError extends RangeError {
  readonly code = 'ERR_SHAPE';
  override name = 'ShapeError';
}

export class DTypeError extends TypeError {
  readonly code = 'ERR_DTYPE';
  override name = 'DTypeError';
}

/** An option or index outside its domain: a token id past the vocabulary, a NaN scale. */
export class ValueRangeError extends RangeError {
  readonly code = 'ERR_RANGE';
  override name = 'ValueRangeError';
}

export class CheckpointError extends Error {
  readonly code = 'ERR_CHECKPOINT';
  override name = 'CheckpointError';
}

export class UnsupportedArchitectureError extends Error {
  readonly code = 'ERR_UNSUPPORTED_ARCHITECTURE';
  override name = 'UnsupportedArchitectureError';
}

export class NativeUnavailableError extends Error {
  readonly code = 'ERR_NATIVE_UNAVAILABLE';
  override name = 'NativeUnavailableError';
}

export class OutOfMemoryError extends RangeError {
  readonly code = 'ERR_OOM';
  override name = 'OutOfMemoryError';
}

export class AbortError extends Error {
  readonly code = 'ERR_ABORTED';
  override name = 'AbortError';
}

export class DisposedError extends Error {
  readonly code = 'ERR_DISPOSED';
  override name = 'DisposedError';
}

/**
 * A model is at capacity: its cache budget is spent and its wait queue is full (a server answers
 * 429/503). `retryAfterMs` is a hint, absent when unknown.
 */
export class CapacityError extends Error {
  readonly code = 'ERR_CAPACITY';
  override name = 'CapacityError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** No model folder was given and the embedded default for the task is not installed. */
export class ModelNotFoundError extends Error {
  readonly code = 'ERR_MODEL_NOT_FOUND';
  override name = 'ModelNotFoundError';
}

/** Re-types an error thrown by the addon (a plain Error with a `code`) as the matching class. */
export function fromNativeError(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const code = (e as { code?: string }).code;
  const make = {
    ERR_SHAPE: ShapeError,
    ERR_DTYPE: DTypeError,
    ERR_RANGE: ValueRangeError,
    ERR_OOM: OutOfMemoryError,
    ERR_ABORTED: AbortError,
  }[code ?? ''];
  if (!make) return e;
  const typed = new make(e.message);
  typed.stack = e.stack;
  return typed;
}

// V8 reports an ArrayBuffer it cannot allocate as a plain RangeError.
const V8_ALLOCATION_FAILED = /Array buffer allocation failed|Invalid typed array length|Invalid array buffer length/;

/** A failed ArrayBuffer allocation as the documented OutOfMemoryError; anything else unchanged. */
export function fromAllocationError(e: unknown): unknown {
  if (!(e instanceof RangeError) || (e as { code?: string }).code !== undefined || !V8_ALLOCATION_FAILED.test(e.message)) return e;
  return new OutOfMemoryError(`out of memory: ${e.message}`, { cause: e });
}
