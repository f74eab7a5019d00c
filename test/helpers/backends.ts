// Which backends and ISA paths the parity tests run over.
import { afterAll } from 'vitest';

import { forceIsa, listIsas } from '../../lib/backend/select.js';
import { loadNative } from '../../lib/backend/native.js';

export const nativeLoaded = loadNative().addon !== null;
/** Every ISA this binary and CPU can run, e.g. ['scalar', 'avx2', 'avx512']. */
export const isas: string[] = nativeLoaded ? listIsas() : [];
const best = isas[isas.length - 1];

/** Runs fn with the native dispatch forced to isa; restores the best ISA after the file. */
export function withIsa<T>(isa: string, fn: () => T): T {
  forceIsa(isa);
  return fn();
}

export function restoreBestIsaAfterAll(): void {
  afterAll(() => {
    if (best) forceIsa(best);
  });
}
