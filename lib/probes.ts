// Machine-peak probes for the benchmarks (bench/): the FP32 FMA throughput and the memory
// bandwidth this CPU reaches through the addon's own ISA dispatch and thread pool. Internal (not
// in the public `kernels` namespace); bench/ imports it directly. Native only: a TS "peak" would
// say nothing about the machine.
import { NativeUnavailableError, fromNativeError } from './errors.js';
import { type NativeAddon, loadNative } from './backend/native.js';

export interface FmaPeak {
  /** Best repetition, all threads together. */
  gflops: number;
  /** The ISA the probe ran (the active one: best, ATTNSCAN_ISA or forceIsa). */
  isa: string;
  threads: number;
}

export interface MemoryBandwidth {
  /** Streaming read (a SIMD sum), GB/s with 1 GB = 1e9 bytes. */
  readGBs: number;
  /** y = x; bytes read + written (STREAM convention, write-allocate not counted). */
  copyGBs: number;
  /** y = x + s*z; 3 arrays' bytes. */
  triadGBs: number;
  bytes: number;
  isa: string;
  threads: number;
}

function addon(): NativeAddon {
  const { addon, reason } = loadNative();
  if (!addon) throw new NativeUnavailableError(`the machine-peak probes need the native addon: ${reason}`);
  return addon;
}

// Runs fn on a pool of `threads` (if given), restoring the previous size after.
function withThreads<T>(a: NativeAddon, threads: number | undefined, fn: () => T): T {
  const before = a.threads();
  if (threads !== undefined) a.setThreads(threads);
  try {
    return fn();
  } finally {
    if (threads !== undefined) a.setThreads(before);
  }
}

function call(a: NativeAddon, name: string, args: Record<string, unknown>): void {
  try {
    (a[name] as (args: Record<string, unknown>) => void)(args);
  } catch (e) {
    throw fromNativeError(e);
  }
}

/** Independent FMA chains on every pool thread for about `seconds` (default 0.5). */
export function probeFmaPeak(opts: { seconds?: number; threads?: number; reps?: number } = {}): FmaPeak {
  const a = addon();
  return withThreads(a, opts.threads, () => {
    const out = new Float32Array(3);
    call(a, 'probeFma', { seconds: opts.seconds ?? 0.5, reps: opts.reps ?? 3, out });
    return { gflops: out[0], isa: a.activeIsa(), threads: a.threads() };
  });
}

/** Streams a buffer much larger than the caches (default 512 MiB), best of `passes` (default 5). */
export function probeMemoryBandwidth(opts: { bytes?: number; threads?: number; passes?: number } = {}): MemoryBandwidth {
  const a = addon();
  const bytes = opts.bytes ?? 512 * 2 ** 20;
  return withThreads(a, opts.threads, () => {
    const out = new Float32Array(4);
    call(a, 'probeMemory', { bytes, passes: opts.passes ?? 5, out });
    return { readGBs: out[0], copyGBs: out[1], triadGBs: out[2], bytes, isa: a.activeIsa(), threads: a.threads() };
  });
}
