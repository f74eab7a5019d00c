// Loads the addon through node-gyp-build (prebuilds/<platform>-<arch>/ first, then build/).
// Failure is not an error here: the TS backend takes over and backendInfo() says why.
import { createRequire } from 'node:module';

import { packageRoot } from '../util/paths.js';

export type NativeKernel = (args: Record<string, unknown>, async?: boolean) => undefined | Promise<void>;

export interface NativeAddon {
  listIsas(): string[];
  activeIsa(): string;
  forceIsa(name: string): string;
  threads(): number;
  setThreads(n: number): number;
  mallocPolicy(): string;
  [kernel: string]: unknown;
}

interface LoadState {
  addon: NativeAddon | null;
  reason?: string;
}

let state: LoadState | undefined;

export function loadNative(): LoadState {
  if (state) return state;
  if (process.env.ATTNSCAN_BACKEND === 'ts') {
    state = { addon: null, reason: 'ATTNSCAN_BACKEND=ts' };
    return state;
  }
  try {
    const require = createRequire(import.meta.url);
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    state = { addon: load(packageRoot) };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    state = { addon: null, reason: `native addon did not load: ${msg}` };
  }
  return state;
}

export function nativeKernel(name: string): NativeKernel {
  const addon = loadNative().addon;
  const fn = addon?.[name];
  if (typeof fn !== 'function') throw new Error(`internal: the native addon has no kernel '${name}'`);
  return fn as NativeKernel;
}
