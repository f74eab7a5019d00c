// One definition per kernel gives its sync and async entry points on both backends. A kernel's
// `prepare` validates the arguments, allocates the outputs and returns the native argument object
// and the TS twin's call writing the same outputs; the caller's backend choice picks which runs.
import { fromNativeError } from '../errors.js';
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
}

export type SyncKernel<A, R> = (args: A, opts?: KernelOptions) => R;
export type AsyncKernel<A, R> = (args: A, opts?: KernelOptions) => Promise<R>;

const registry = new Map<string, SyncKernel<never, unknown>>();
const nativeNames = new Map<string, string>();

/** Every defined kernel's public name and the addon function it calls. */
export function definedKernels(): { name: string; nativeName: string }[] {
  return [...nativeNames].map(([name, nativeName]) => ({ name, nativeName }));
}

/** The sync kernel of that name (used by the TS worker to run async TS calls). */
export function syncKernelByName(name: string): SyncKernel<unknown, unknown> | undefined {
  return registry.get(name) as SyncKernel<unknown, unknown> | undefined;
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
  const sync: SyncKernel<A, R> = (args, opts) => {
    const backend = resolveBackend(opts?.backend);
    const p = spec.prepare(args);
    if (backend === 'ts') {
      p.ts();
    } else {
      try {
        nativeKernel(nativeName)(p.native, false);
      } catch (e) {
        throw fromNativeError(e);
      }
    }
    return p.result;
  };
  const async: AsyncKernel<A, R> = async (args, opts) => {
    const backend = resolveBackend(opts?.backend);
    if (backend === 'ts') return intoCallersOut(args, await runTsKernelInWorker(spec.name, args)) as R;
    const p = spec.prepare(args);
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
