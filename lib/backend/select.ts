import { NativeUnavailableError } from '../errors.js';
import { loadNative } from './native.js';

export type BackendName = 'native' | 'ts';

export interface BackendInfo {
  backend: BackendName;
  isa: string;
  threads: number;
  /**
   * What the addon did to the C allocator at load: 'tuned' (glibc keeps freed kernel outputs'
   * memory for reuse instead of returning it and faulting it back in), or 'system (<why>)'.
   * ATTNSCAN_MALLOC=system leaves the allocator alone.
   */
  malloc?: string;
  reason?: string;
}

function envBackend(): BackendName | undefined {
  const v = process.env.ATTNSCAN_BACKEND;
  if (v === undefined || v === '') return undefined;
  if (v !== 'native' && v !== 'ts') {
    throw new NativeUnavailableError(`ATTNSCAN_BACKEND must be 'native' or 'ts', got '${v}'`);
  }
  return v;
}

/** The backend a call runs on: the one asked for, else ATTNSCAN_BACKEND, else native if it loads. */
export function resolveBackend(requested?: BackendName): BackendName {
  if (requested !== undefined && requested !== 'native' && requested !== 'ts') {
    throw new NativeUnavailableError(`backend must be 'native' or 'ts', got '${String(requested)}'`);
  }
  const want = requested ?? envBackend();
  if (want === 'ts') return 'ts';
  const { addon, reason } = loadNative();
  if (addon) return 'native';
  if (want === 'native') throw new NativeUnavailableError(`the native backend was asked for but ${reason}`);
  return 'ts';
}

let noticeShown = false;

export function backendInfo(): BackendInfo {
  const backend = resolveBackend();
  const { addon, reason } = loadNative();
  if (backend === 'native' && addon) {
    return { backend, isa: addon.activeIsa(), threads: addon.threads(), malloc: addon.mallocPolicy() };
  }
  if (!noticeShown && reason && process.env.ATTNSCAN_BACKEND !== 'ts') {
    noticeShown = true;
    process.emitWarning(`attnscan: using the TypeScript backend (${reason})`, { code: 'ATTNSCAN_TS_BACKEND' });
  }
  return { backend: 'ts', isa: 'js', threads: 1, ...(reason ? { reason } : {}) };
}

/** ISAs the native backend can run here, best last (empty without the addon). */
export function listIsas(): string[] {
  return loadNative().addon?.listIsas() ?? [];
}

/** Forces the native SIMD path (tests and benchmarks); throws RangeError if it is not available. */
export function forceIsa(name: string): string {
  const { addon, reason } = loadNative();
  if (!addon) throw new NativeUnavailableError(`forceIsa needs the native backend: ${reason}`);
  return addon.forceIsa(name);
}

export function setThreads(n: number): number {
  const { addon } = loadNative();
  return addon ? addon.setThreads(n) : 1;
}
