// Read-path weights live in a SharedArrayBuffer: a worker thread receives them without a copy,
// and the native kernels accept them (the addon's argument reader once aborted the process on a
// shared buffer).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { afterAll, describe, expect, it } from 'vitest';

import { loadNative } from '../../lib/backend/native.js';
import { openCheckpoint } from '../../lib/io/checkpoint.js';
import { writeSafetensors } from '../../lib/io/safetensors-writer.js';
import { kernels } from '../../lib/ops/index.js';
import { Tensor } from '../../lib/tensor.js';

const tmp = mkdtempSync(join(tmpdir(), 'attnscan-shared-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function sharedWeight() {
  writeFileSync(join(tmp, 'config.json'), '{}');
  writeSafetensors(join(tmp, 'model.safetensors'), { w: { dtype: 'F32', dims: [4], data: Float32Array.from([0, 1, -1, 2]) } });
  return (await openCheckpoint(tmp, { mmap: false })).get('w');
}

describe('read-path weights', () => {
  it('are views onto a SharedArrayBuffer that a worker shares without a copy', async () => {
    const w = await sharedWeight();
    expect(w.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    const worker = new Worker('require("node:worker_threads").parentPort.on("message", (a) => { a[0] = 42; process.exit(0); });', { eval: true });
    const exited = new Promise((r) => worker.on('exit', r));
    worker.postMessage(w.data);
    await exited;
    expect(w.data[0]).toBe(42);
  });

  it.runIf(loadNative().addon)('are accepted by native kernels', async () => {
    const w = await sharedWeight();
    const out = kernels.relu({ x: new Tensor(w.data as Float32Array, w.dims) }, { backend: 'native' });
    expect(Array.from(out.data)).toEqual([0, 1, 0, 2]);
  });
});
