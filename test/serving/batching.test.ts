// Continuous batching through the public Model: concurrent generate calls (different prompt
// lengths, maxNewTokens, sampling options) give exactly the tokens each gives alone, for every
// generating architecture on both backends; a call joining mid-stream; a generateBatch call mixed in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadModel } from '../../lib/models/model.js';
import { nativeLoaded } from '../helpers/backends.js';
import { writeTinyCheckpoint } from '../helpers/tiny-checkpoint.js';
import { collect } from './collect.js';

const root = mkdtempSync(join(tmpdir(), 'attnscan-serving-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);
const ARCHS = ['LlamaForCausalLM', 'GPT2LMHeadModel', 'MambaForCausalLM', 'T5ForConditionalGeneration', 'BartForConditionalGeneration'];

const calls = [
  { prompt: [5, 6, 7], o: { maxNewTokens: 9 } },
  { prompt: [11, 40, 3, 9, 27, 31, 8, 60, 4], o: { maxNewTokens: 5 } },
  { prompt: [70], o: { maxNewTokens: 12, temperature: 0.9, topK: 30, seed: 7 } },
  { prompt: [20, 21, 22, 23, 24], o: { maxNewTokens: 7, temperature: 1.3, topP: 0.9, repetitionPenalty: 1.2, seed: 11 } },
  { prompt: [44, 45], o: { maxNewTokens: 1 } },
];

describe.each(backends)('continuous batching on %s', (backend) => {
  it.each(ARCHS)('%s: concurrent calls give the tokens each gives alone', async (arch) => {
    const m = await loadModel(writeTinyCheckpoint(join(root, `${arch}-${backend}`), arch), { backend });
    try {
      const alone: number[][] = [];
      for (const c of calls) alone.push(await collect(m, c.prompt, c.o));
      const together = await Promise.all(calls.map((c) => collect(m, c.prompt, c.o)));
      expect(together).toEqual(alone);
      expect(m.stats().decodeRows).toBeGreaterThan(m.stats().decodeSteps);
      // A call joining while another streams, and a generateBatch call in the same batch.
      const firstAlone = await collect(m, calls[0].prompt, { maxNewTokens: 40 });
      const first = m.generate(calls[0].prompt, { maxNewTokens: 40, eosTokenId: null })[Symbol.asyncIterator]();
      const a: number[] = [];
      for (let i = 0; i < 3; i++) a.push((await first.next()).value as number);
      const batch: (number | null)[][] = [];
      const late = (async () => {
        for await (const step of m.generateBatch([calls[1].prompt, calls[2].prompt], { eosTokenId: null, maxNewTokens: 6 })) batch.push(step);
      })();
      for (let r = await first.next(); !r.done; r = await first.next()) a.push(r.value);
      await late;
      expect(a).toEqual(firstAlone);
      const sep = [await collect(m, calls[1].prompt, { maxNewTokens: 6 }), await collect(m, calls[2].prompt, { maxNewTokens: 6 })];
      expect(batch.map((s) => s[0])).toEqual(sep[0]);
      expect(batch.map((s) => s[1])).toEqual(sep[1]);
      expect(m.stats()).toMatchObject({ activeSequences: 0, queuedRequests: 0, cacheBytes: 0 });
    } finally {
      await m.dispose();
    }
  });

  it('LLaMA with dynamic RoPE scaling: rows past the trained length rotate with their own frequencies', async () => {
    const config = { max_position_embeddings: 12, rope_scaling: { rope_type: 'dynamic', factor: 2 } };
    const m = await loadModel(writeTinyCheckpoint(join(root, `llama-dynamic-${backend}`), 'LlamaForCausalLM', { config }), { backend });
    try {
      const alone: number[][] = [];
      for (const c of calls) alone.push(await collect(m, c.prompt, c.o));
      expect(await Promise.all(calls.map((c) => collect(m, c.prompt, c.o)))).toEqual(alone);
    } finally {
      await m.dispose();
    }
  });

  it.each(ARCHS.slice(0, 3))('%s: prompts prefilled in chunks between decode steps give the same tokens', async (arch) => {
    const dir = writeTinyCheckpoint(join(root, `${arch}-${backend}-chunks`), arch);
    const whole = await loadModel(dir, { backend });
    const chunked = await loadModel(dir, { backend, prefillChunk: 3 });
    try {
      const alone: number[][] = [];
      for (const c of calls) alone.push(await collect(whole, c.prompt, c.o));
      expect(await Promise.all(calls.map((c) => collect(chunked, c.prompt, c.o)))).toEqual(alone);
      expect(chunked.stats().prefills).toBeGreaterThan(whole.stats().prefills);
    } finally {
      await Promise.all([whole.dispose(), chunked.dispose()]);
    }
  });
});
