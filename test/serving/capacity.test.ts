// The scheduler's bounds through the public Model: calls beyond maxBatch wait in the FIFO queue,
// beyond maxQueue (or beyond the cache budget) they fail with CapacityError; aborting or leaving a
// stream frees its sequence at once while the others go on; the reserved bytes return to zero;
// the main event loop stays responsive at full load.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { afterAll, describe, expect, it } from 'vitest';

import { AbortError, CapacityError, ValueRangeError } from '../../lib/errors.js';
import { loadModel } from '../../lib/models/model.js';
import { writeTinyCheckpoint } from '../helpers/tiny-checkpoint.js';
import { collect, drained } from './collect.js';

const root = mkdtempSync(join(tmpdir(), 'attnscan-capacity-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = writeTinyCheckpoint(join(root, 'llama'), 'LlamaForCausalLM');

describe('serving capacity', () => {
  it('queues beyond maxBatch, refuses beyond maxQueue, and frees the budget', async () => {
    const m = await loadModel(dir, { backend: 'ts', maxBatch: 1, maxQueue: 1 });
    try {
      const alone = await collect(m, [9, 8, 7], { maxNewTokens: 6 });
      expect(m.stats()).toMatchObject({ cacheBytes: 0, maxBatch: 1, maxQueue: 1, requestsCompleted: 1 });
      const first = collect(m, [1, 2, 3], { maxNewTokens: 20 });
      const second = collect(m, [9, 8, 7], { maxNewTokens: 6 });
      const third = collect(m, [4, 5], { maxNewTokens: 3 });
      await expect(third).rejects.toBeInstanceOf(CapacityError);
      const refused = (await third.catch((e: unknown) => e)) as CapacityError;
      expect(refused.code).toBe('ERR_CAPACITY');
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(m.stats()).toMatchObject({ activeSequences: 1, queuedRequests: 1, requestsRejected: 1 });
      expect(m.stats().cacheBytes).toBeGreaterThan(0);
      await first;
      expect(await second).toEqual(alone);
      expect(m.stats()).toMatchObject({ activeSequences: 0, queuedRequests: 0, cacheBytes: 0 });
      // A generateBatch call wider than maxBatch runs alone.
      const steps: (number | null)[][] = [];
      for await (const s of m.generateBatch([[9, 8, 7], [1, 2]], { maxNewTokens: 6, eosTokenId: null })) steps.push(s);
      expect(steps.map((s) => s[0])).toEqual(alone);
      expect(m.stats()).toMatchObject({ activeSequences: 0, cacheBytes: 0 });
    } finally {
      await m.dispose();
    }
  });

  it('a call whose cache would pass the budget is refused; calls that fit share it', async () => {
    const probe = await loadModel(dir, { backend: 'ts' });
    const one = (async () => {
      const it = probe.generate([1, 2, 3, 4], { maxNewTokens: 12, eosTokenId: null })[Symbol.asyncIterator]();
      await it.next();
      const bytes = probe.stats().cacheBytes;
      await it.return!();
      return bytes;
    })();
    const bytes = await one;
    await probe.dispose();
    expect(bytes).toBeGreaterThan(0);
    const m = await loadModel(dir, { backend: 'ts', maxCacheBytes: 2 * bytes, maxQueue: 4 });
    try {
      await expect(collect(m, [1, 2, 3, 4], { maxNewTokens: 40 })).rejects.toBeInstanceOf(CapacityError);
      const runs = [1, 2, 3].map(() => collect(m, [1, 2, 3, 4], { maxNewTokens: 12 }));
      await new Promise((r) => setTimeout(r, 1));
      expect(m.stats().cacheBytes).toBeLessThanOrEqual(2 * bytes);
      const out = await Promise.all(runs);
      expect(out[1]).toEqual(out[0]);
      expect(out[2]).toEqual(out[0]);
      expect(m.stats()).toMatchObject({ activeSequences: 0, cacheBytes: 0, cacheBudgetBytes: 2 * bytes });
    } finally {
      await m.dispose();
    }
  });

  it('rejects bad limits', async () => {
    await expect(loadModel(dir, { maxBatch: 0 })).rejects.toBeInstanceOf(ValueRangeError);
    await expect(loadModel(dir, { maxCacheBytes: -1 })).rejects.toBeInstanceOf(ValueRangeError);
    await expect(loadModel(dir, { maxQueue: 1.5 })).rejects.toBeInstanceOf(ValueRangeError);
  });

  it('an aborted or abandoned stream frees its sequence; the others go on unchanged', async () => {
    const m = await loadModel(dir, { backend: 'ts' });
    try {
      const alone = await collect(m, [3, 4, 5], { maxNewTokens: 25 });
      const ac = new AbortController();
      const kept = collect(m, [3, 4, 5], { maxNewTokens: 25 });
      const aborted = (async () => {
        let n = 0;
        for await (const _ of m.generate([6, 7], { maxNewTokens: 1000, eosTokenId: null, signal: ac.signal })) if (++n === 2) ac.abort();
      })();
      const left = (async () => {
        let n = 0;
        for await (const _ of m.generate([8], { maxNewTokens: 1000, eosTokenId: null })) if (++n === 3) break;
        return n;
      })();
      await expect(aborted).rejects.toBeInstanceOf(AbortError);
      expect(await left).toBe(3);
      expect(await kept).toEqual(alone);
      await drained(m);
      expect(m.stats()).toMatchObject({ activeSequences: 0, activeRequests: 0, cacheBytes: 0 });
    } finally {
      await m.dispose();
    }
  });

  it('a call that fails inside a shared step fails alone; the step is undone for the others', async () => {
    const m = await loadModel(writeTinyCheckpoint(join(root, 'gpt2'), 'GPT2LMHeadModel'), { backend: 'ts' });
    try {
      const alone = await collect(m, [5, 6, 7], { maxNewTokens: 30 });
      // GPT-2's tiny config has 48 learned positions: this call runs past them mid-stream.
      const long = collect(m, Array.from({ length: 40 }, (_, i) => 3 + i), { maxNewTokens: 20 });
      const short = collect(m, [5, 6, 7], { maxNewTokens: 30 });
      await expect(long).rejects.toBeInstanceOf(ValueRangeError);
      expect(await short).toEqual(alone);
      expect(m.stats()).toMatchObject({ activeSequences: 0, cacheBytes: 0 });
    } finally {
      await m.dispose();
    }
  });

  it('the main event loop stays responsive while the worker decodes a full batch', async () => {
    const m = await loadModel(dir, { backend: 'ts', maxBatch: 8 });
    try {
      const h = monitorEventLoopDelay({ resolution: 5 });
      h.enable();
      await Promise.all(Array.from({ length: 8 }, (_, i) => collect(m, [i + 1, i + 2], { maxNewTokens: 60 })));
      h.disable();
      expect(m.stats().decodeRows / m.stats().decodeSteps).toBeGreaterThan(4);
      // Generous: the machine is shared; a main thread doing the decoding would stall for the whole run.
      expect(h.percentile(99) / 1e6).toBeLessThan(300);
    } finally {
      await m.dispose();
    }
  });
});
