// One definition per kernel gives its sync and async entry points on both backends. A kernel's
// `prepare` validates the arguments, allocates the outputs and returns the native argument object
// and the TS twin's call writing the same outputs; the caller's backend choice picks which runs.
import { markAsUntransferable } from 'node:worker_threads';

import { fromAllocationError, fromNativeError } from '../errors.js';
import { nativeKernel } from '../backend/native.js';
import { type BackendName, resolveBackend } from '../backend/select.js';
import { Tensor } from '../tensor.js';
import { runTsKernelInWorker } from './ts-pool.js';

export interface KernelOptions {
  backend?: BackendName;
}

export interface Prepared<R> {
  /** Buffers (inputs and preallocated outputs) and dims, by the names the addon reads. */
  native: Record<string, unknown>;
  /** Runs the pure-TypeScript twin into the same outputs. */
  ts(): void;
  result: R;
}

export interface KernelSpec<A, R> {
  /** Public name (kernels.NAME). */
  name: string;
  /** The addon's function, when several public kernels share one (defaults to name). */
  nativeName?: string;
  prepare(args: A): Prepared<R>;
  /**
   * The async TS twin ran on a copy of the arguments in a worker: put what it wrote into the
   * caller's buffers. Default: the caller's `out`, if any.
   */
  intoCaller?(args: A, workerResult: R): R;
}

export type SyncKernel<A, R> = (args: A, opts?: KernelOptions) => R;
export type AsyncKernel<A, R> = (args: A, opts?: KernelOptions) => Promise<R>;

const registry = new Map<string, SyncKernel<never, unknown>>();

/** A native kernel call as the addon received it: its function name and argument object. */
export interface RecordedCall {
  kernel: string;
  args: Record<string, unknown>;
}

export interface Recording {
  calls: RecordedCall[];
  /** The recorded calls stay valid for positions below this (see limitRecording). */
  positionLimit: number;
}

let recording: Recording | undefined;

/**
 * Runs fn and returns, with its result, every native kernel call it made (synchronous ones, in
 * order, after each succeeded): what a decode plan replays (lib/models/plan.ts).
 */
export function recordNativeCalls<T>(fn: () => T): { result: T } & Recording {
  const outer = recording;
  const rec: Recording = { calls: [], positionLimit: Infinity };
  recording = rec;
  try {
    return { result: fn(), ...rec };
  } finally {
    recording = outer;
  }
}

/**
 * Layer code that chose an argument from the step's positions says up to which position the same
 * choice holds (RoPE frequencies under dynamic NTK scaling change past the trained length).
 */
export function limitRecording(positionLimit: number): void {
  if (recording) recording.positionLimit = Math.min(recording.positionLimit, positionLimit);
}
const nativeNames = new Map<string, string>();

/** Every defined kernel's public name and the addon function it calls. */
export function definedKernels(): { name: string; nativeName: string }[] {
  return [...nativeNames].map(([name, nativeName]) => ({ name, nativeName }));
}

/** The sync kernel of that name (used by the TS worker to run async TS calls). */
export function syncKernelByName(name: string): SyncKernel<unknown, unknown> | undefined {
  return registry.get(name) as SyncKernel<unknown, unknown> | undefined;
}

/**
 * An async native kernel reads its inputs on a libuv thread while JS runs: transferring an input's
 * ArrayBuffer (postMessage or structuredClone with a transfer list) would detach it and hand its
 * memory to a new owner that may free it under the kernel. The addon keeps the argument object
 * alive, not the memory, so inputs are marked untransferable first, as Node marks its Buffer pool:
 * a later transfer copies instead of detaching (Node 20; newer Node throws DataCloneError).
 * SharedArrayBuffers are shared, never detached. Outputs are new and reach the caller only when
 * the kernel is done, so they stay transferable.
 */
function pinInputs(p: Prepared<unknown>): void {
  const outputs = new Set<ArrayBufferLike>();
  const result = p.result as unknown;
  for (const v of result && typeof result === 'object' ? [result, ...Object.values(result)] : []) {
    const data = (v as { data?: unknown } | null)?.data;
    if (ArrayBuffer.isView(data)) outputs.add(data.buffer);
  }
  for (const v of Object.values(p.native)) {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && !outputs.has(v.buffer)) markAsUntransferable(v.buffer);
  }
}

/** The TS worker wrote a copy of the caller's `out`: put the result where the caller asked. */
function intoCallersOut(args: unknown, result: unknown): unknown {
  const out = (args as { out?: { data?: unknown } } | null)?.out;
  const r = result as { data?: unknown; dims?: number[] } | null;
  if (!(out?.data instanceof Float32Array) || !(r?.data instanceof Float32Array) || out.data === r.data) return result;
  out.data.set(r.data);
  return new Tensor(out.data, r.dims!);
}

export function defineKernel<A, R>(spec: KernelSpec<A, R>): { sync: SyncKernel<A, R>; async: AsyncKernel<A, R> } {
  const nativeName = spec.nativeName ?? spec.name;
  // Outputs too large to allocate are an OutOfMemoryError, not V8's plain RangeError.
  const prepare = (args: A): Prepared<R> => {
    try {
      return spec.prepare(args);
    } catch (e) {
      throw fromAllocationError(e);
    }
  };
  const sync: SyncKernel<A, R> = (args, opts) => {
    const backend = resolveBackend(opts?.backend);
    const p = prepare(args);
    if (backend === 'ts') {
      p.ts();
    } else {
      try {
        nativeKernel(nativeName)(p.native, false);
      } catch (e) {
        throw fromNativeError(e);
      }
      recording?.calls.push({ kernel: nativeName, args: p.native });
    }
    return p.result;
  };
  const async: AsyncKernel<A, R> = async (args, opts) => {
    const backend = resolveBackend(opts?.backend);
    if (backend === 'ts') {
      const r = await runTsKernelInWorker(spec.name, args);
      return spec.intoCaller ? spec.intoCaller(args, r as R) : (intoCallersOut(args, r) as R);
    }
    const p = prepare(args);
    pinInputs(p);
    try {
      await nativeKernel(nativeName)(p.native, true);
    } catch (e) {
      throw fromNativeError(e);
    }
    return p.result;
  };
  registry.set(spec.name, sync as SyncKernel<never, unknown>);
  nativeNames.set(spec.name, nativeName);
  return { sync, async };
}
