// Messages between the main-thread Model (model.ts) and its worker (worker.ts). Every request
// carries an abort flag (an Int32Array over a SharedArrayBuffer) the worker checks between layers.
import type { BackendName } from '../backend/select.js';
import * as errors from '../errors.js';
import type { KvDType } from '../generation/kv-cache.js';
import type { SchedulerLimits } from '../serving/scheduler.js';

export interface ModelInfo {
  architecture: string;
  config: Record<string, unknown>;
  backend: BackendName;
  kind: 'encoder' | 'decoder' | 'encoder-decoder';
  vocabSize: number;
  eosTokenIds: number[];
  decoderStartTokenId?: number;
  generationConfig?: Record<string, unknown>;
  kvCache: KvDType;
}

export type Request =
  | { type: 'load'; dir: string; backend?: BackendName; threads?: number; hugePages?: boolean; kvCache?: KvDType; limits?: Partial<SchedulerLimits>; stats?: Float64Array }
  | { type: 'forward'; id: number; args: Record<string, unknown>; abort: Int32Array }
  | { type: 'generate'; id: number; prompts: Int32Array[]; options: Record<string, unknown>; abort: Int32Array; withLogits: boolean }
  | { type: 'dispose' };

export type Reply =
  | { type: 'progress'; loaded: number; total: number }
  | { type: 'loaded'; info: ModelInfo }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'tokens'; id: number; tokens: (number | null)[]; logits?: Float32Array }
  | { type: 'done'; id: number }
  | { type: 'error'; id?: number; error: SerializedError }
  | { type: 'disposed' };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  /** CapacityError's hint. */
  retryAfterMs?: number;
}

/** A failed ArrayBuffer allocation crosses the thread boundary as OutOfMemoryError. */
export function serializeError(error: unknown): SerializedError {
  const e = errors.fromAllocationError(error);
  if (e instanceof errors.CapacityError) return { name: e.name, message: e.message, code: e.code, retryAfterMs: e.retryAfterMs };
  if (e instanceof Error) return { name: e.name, message: e.message, code: (e as { code?: string }).code };
  return { name: 'Error', message: String(e) };
}

/** The same class on this side of the thread boundary (our named errors, TypeError, RangeError). */
export function rebuildError(e: SerializedError): Error {
  if (e.name === 'CapacityError') return new errors.CapacityError(e.message, e.retryAfterMs);
  const ctor = Object.hasOwn(errors, e.name) ? (errors as Record<string, unknown>)[e.name] : undefined;
  if (typeof ctor === 'function') return new (ctor as new (m: string) => Error)(e.message);
  const err = e.name === 'TypeError' ? new TypeError(e.message) : e.name === 'RangeError' ? new RangeError(e.message) : new Error(e.message);
  if (e.code) (err as { code?: string }).code = e.code;
  return err;
}
