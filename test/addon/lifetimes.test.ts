// Lifetimes across the JS/native boundary. Each scenario that needs a fresh process (--expose-gc,
// process.exit) runs in a child node with tsx, so a crash there is a failed test, not a dead
// runner; under CI's ASan step the child inherits the ASan addon, so a read of freed memory is
// reported there too.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { DisposedError } from '../../lib/errors.js';
import { loadModel } from '../../lib/models/model.js';
import { packageRoot } from '../../lib/util/paths.js';
import { nativeLoaded } from '../helpers/backends.js';
import { writeTinyCheckpoint } from '../helpers/tiny-checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'attnscan-lifetimes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs an ES module body in a child node (tsx, --expose-gc); `lib` is importable as ./lib/index.ts. */
function child(body: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', body], {
    cwd: packageRoot,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

// A linear call slow enough (tens of ms) that JS runs while it is in flight.
const BIG = `
  const { kernels, Tensor } = await import('./lib/index.ts');
  const big = () => ({
    x: new Tensor(new Float32Array(64 * 512).fill(1), [64, 512]),
    weight: new Tensor(new Float32Array(512 * 512).fill(0.5), [512, 512]),
  });
  const check = (out) => { if (!out.data.every((v) => v === 256)) throw new Error('wrong result ' + out.data[0]); };
`;

describe.runIf(nativeLoaded)('lifetimes across the boundary', () => {
  it('inputs dropped and garbage collected while async kernels read them', () => {
    const r = child(`${BIG}
      const runs = [];
      for (let i = 0; i < 8; i++) runs.push(kernels.linearAsync(big()));
      for (let i = 0; i < 20; i++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); }
      for (const out of await Promise.all(runs)) check(out);
      console.log('ok');`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  });

  it('an input transferred while an async kernel reads it is copied, not detached', () => {
    // Before the fix the transfer detached x mid-call and the clone that took its memory could be
    // collected under the kernel. Now inputs of async native calls are untransferable.
    const r = child(`${BIG}
      const { MessageChannel } = await import('node:worker_threads');
      const args = big();
      const p = kernels.linearAsync(args);
      let moved = structuredClone(args.x.data.buffer, { transfer: [args.x.data.buffer] });
      const { port1, port2 } = new MessageChannel();
      port1.postMessage(args.weight.data.buffer, [args.weight.data.buffer]);
      moved = null; port1.close(); port2.close();
      for (let i = 0; i < 10; i++) globalThis.gc();
      check(await p);
      console.log(JSON.stringify({ x: args.x.data.byteLength, w: args.weight.data.byteLength }));`);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ x: 64 * 512 * 4, w: 512 * 512 * 4 });
  });

  it('the result of an async kernel stays transferable', () => {
    const r = child(`${BIG}
      const out = await kernels.linearAsync(big());
      structuredClone(out.data.buffer, { transfer: [out.data.buffer] });
      console.log(out.data.byteLength);`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('0');
  });

  it('process.exit with async kernels in flight exits cleanly', () => {
    const r = child(`${BIG}
      for (let i = 0; i < 6; i++) void kernels.linearAsync(big());
      void kernels.attentionAsync({ q: new Tensor(new Float32Array(2 * 64 * 4 * 32).fill(0.1), [2, 64, 4, 32]), k: new Tensor(new Float32Array(2 * 64 * 4 * 32), [2, 64, 4, 32]), v: new Tensor(new Float32Array(2 * 64 * 4 * 32), [2, 64, 4, 32]) });
      setImmediate(() => process.exit(0));`);
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
  });

  it('worker threads load the addon at once and run kernels side by side; one is terminated mid-kernel', () => {
    const r = child(`
      const { Worker } = await import('node:worker_threads');
      const body = \`
        const { parentPort, workerData } = require('node:worker_threads');
        const addon = require('node-gyp-build')(workerData.root);
        const n = 256, rows = 16;
        const x = new Float32Array(rows * n).fill(1), w = new Float32Array(n * n).fill(0.25);
        (async () => {
          for (let i = 0; i < 20; i++) {
            const out = new Float32Array(rows * n);
            const args = { x, weight: w, out, rows, inFeatures: n, outFeatures: n, dtype: 'f32' };
            if (i % 2) addon.linear(args); else await addon.linear(args, true);
            if (!out.every((v) => v === 64)) throw new Error('worker ' + workerData.id + ': wrong result ' + out[0]);
          }
          parentPort.postMessage('done');
        })();\`;
      const root = process.cwd();
      const run = (id) => new Promise((resolve, reject) => {
        const wk = new Worker(body, { eval: true, execArgv: [], workerData: { root, id } });
        wk.on('message', resolve); wk.on('error', reject);
      });
      await Promise.all([0, 1, 2, 3].map(run));
      // Terminated while its async kernel runs: the environment goes away under the libuv work.
      const doomed = new Worker(\`
        const { workerData } = require('node:worker_threads');
        const addon = require('node-gyp-build')(workerData.root);
        const n = 1024, x = new Float32Array(64 * n).fill(1), w = new Float32Array(n * n).fill(1);
        for (let i = 0; i < 4; i++) addon.linear({ x, weight: w, out: new Float32Array(64 * n), rows: 64, inFeatures: n, outFeatures: n, dtype: 'f32' }, true);
        require('node:worker_threads').parentPort.postMessage('started');\`, { eval: true, execArgv: [], workerData: { root } });
      await new Promise((r) => doomed.once('message', r));
      await doomed.terminate();
      console.log('ok');`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  });

  it('disposing a model while a forward and a generation are in flight waits for them', async () => {
    const dir = writeTinyCheckpoint(join(root, 'llama'), 'LlamaForCausalLM');
    const m = await loadModel(dir, { backend: 'native' });
    const forward = m.forward({ inputIds: [[1, 2, 3, 4]] });
    const tokens: number[] = [];
    const generation = (async () => {
      for await (const t of m.generate([1, 2, 3], { maxNewTokens: 6, eosTokenId: null })) tokens.push(t);
    })();
    const disposed = m.dispose();
    const out = (await forward) as { logits: { dims: number[] } };
    expect(out.logits.dims).toEqual([1, 4, 96]);
    await generation;
    expect(tokens).toHaveLength(6);
    await disposed;
    await expect(m.forward({ inputIds: [[1]] })).rejects.toThrow(DisposedError);
  });

  it('disposing a model whose generation the caller stopped reading does not hang', async () => {
    const dir = writeTinyCheckpoint(join(root, 'gpt2'), 'GPT2LMHeadModel');
    const m = await loadModel(dir, { backend: 'native' });
    const it = m.generate([1, 2, 3], { maxNewTokens: 20, eosTokenId: null })[Symbol.asyncIterator]();
    await it.next();
    await it.return?.(undefined);
    await m.dispose();
    await expect(m.forward({ inputIds: [[1]] })).rejects.toThrow(DisposedError);
  });
});
