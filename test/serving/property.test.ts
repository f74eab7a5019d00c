// Property: however calls arrive (prompt lengths, maxNewTokens, greedy or seeded sampling, start
// delays, a consumer leaving early, a queue bound), each call that completes gets the tokens it
// gets alone, and the scheduler ends with nothing active and nothing reserved. LLaMA (a KV cache
// per row) and Mamba (conv and SSM states gathered into a batch, read in place while the rows stay).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadModel, type Model } from '../../lib/models/model.js';
import { writeTinyCheckpoint } from '../helpers/tiny-checkpoint.js';
import { collect, drained } from './collect.js';

const root = mkdtempSync(join(tmpdir(), 'attnscan-serving-prop-'));
const ARCHS = ['LlamaForCausalLM', 'MambaForCausalLM'];
const models = new Map<string, Model>();
beforeAll(async () => {
  for (const arch of ARCHS) models.set(arch, await loadModel(writeTinyCheckpoint(join(root, arch), arch), { backend: 'ts', maxBatch: 3, prefillChunk: 4 }));
});
afterAll(async () => {
  for (const m of models.values()) await m.dispose();
  rmSync(root, { recursive: true, force: true });
});

const call = fc.record({
  prompt: fc.array(fc.integer({ min: 3, max: 95 }), { minLength: 1, maxLength: 12 }),
  maxNewTokens: fc.integer({ min: 1, max: 10 }),
  seed: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
  delayMs: fc.integer({ min: 0, max: 4 }),
  leaveAfter: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
});

async function take(m: Model, p: number[], o: object, leaveAfter?: number): Promise<number[]> {
  const out: number[] = [];
  for await (const t of m.generate(p, { eosTokenId: null, ...o })) if (out.push(t) === leaveAfter) break;
  return out;
}

describe('scheduler property', () => {
  it.each(ARCHS)('%s: every call gets its alone tokens, whatever else is in the batch', async (arch) => {
    const m = models.get(arch)!;
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 2, maxLength: 6 }), async (calls) => {
        const opts = calls.map((c) => ({ maxNewTokens: c.maxNewTokens, ...(c.seed === undefined ? {} : { temperature: 0.8, seed: c.seed }) }));
        const alone: number[][] = [];
        for (const [i, c] of calls.entries()) alone.push(await collect(m, c.prompt, opts[i]));
        const together = await Promise.all(
          calls.map(async (c, i) => {
            await new Promise((r) => setTimeout(r, c.delayMs));
            return take(m, c.prompt, opts[i], c.leaveAfter);
          }),
        );
        together.forEach((t, i) => expect(t).toEqual(alone[i].slice(0, calls[i].leaveAfter ?? alone[i].length)));
        await drained(m);
        expect(m.stats()).toMatchObject({ activeSequences: 0, queuedRequests: 0, cacheBytes: 0 });
      }),
      { numRuns: 12, seed: 42 },
    );
  });
});
