// In this repository's CI the native addon must load: every parity test is skipped without it, so
// a silently failed build would otherwise pass as a green run on the TS backend alone.
import { describe, expect, it } from 'vitest';

import { loadNative } from '../../lib/backend/native.js';
import { backendInfo, listIsas } from '../../lib/backend/select.js';
import { definedKernels } from '../../lib/ops/define.js';
import { kernels } from '../../lib/ops/index.js';

const inCi = Boolean(process.env.CI);
const tsOnPurpose = process.env.ATTNSCAN_BACKEND === 'ts';

describe('native addon', () => {
  it(inCi ? 'loads in CI' : 'loads (required only when CI is set)', () => {
    const { addon, reason } = loadNative();
    if (!addon) {
      console.warn(`attnscan native addon not loaded: ${reason}`);
      if (inCi && !tsOnPurpose) expect.fail(`CI is set but the native addon did not load: ${reason}`);
      return;
    }
    const info = backendInfo();
    expect(info.backend).toBe('native');
    expect(listIsas()).toContain(info.isa);
    expect(info.threads).toBeGreaterThan(0);
  });

  // Parity suites skip a kernel whose binding is missing; this makes a missing binding a failure.
  it.runIf(loadNative().addon)('has a native function behind every public kernel', () => {
    const addon = loadNative().addon as unknown as Record<string, unknown>;
    const defined = definedKernels();
    const publicSync = Object.keys(kernels).filter((k) => !k.endsWith('Async'));
    expect(defined.map((d) => d.name).sort()).toEqual(expect.arrayContaining(publicSync.sort()));
    const missing = defined.filter((d) => typeof addon[d.nativeName] !== 'function');
    expect(missing).toEqual([]);
  });
});
