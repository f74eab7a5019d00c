// The public Model over its worker thread: fixture outputs through loadModel on both backends,
// streaming generation, abort (queued and between layers), dispose waiting for in-flight work,
// and the event loop staying free while a model loads and generates.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { afterAll, describe, expect, it } from 'vitest';

import { AbortError, DisposedError } from '../../lib/errors.js';
import { generateTokens } from '../../lib/generation/generate.js';
import { loadLocal } from '../../lib/models/local.js';
import { loadModel } from '../../lib/models/model.js';
import { nativeLoaded } from '../helpers/backends.js';
import { fixturesDir } from '../helpers/fixtures.js';
import { writeTinyCheckpoint } from '../helpers/tiny-checkpoint.js';
import { bertTokenizer } from '../helpers/tokenizer-files.js';
import { check, goldenCases } from './golden.js';
import { expectedNames, forwardArgs, outputFor } from './inputs.js';

const root = mkdtempSync(join(tmpdir(), 'attnscan-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

describe.each(backends)('loadModel on %s', (backend) => {
  it('llama: forward cases and greedy generation match the fixtures', async () => {
    const progress: number[] = [];
    const m = await loadModel(`${fixturesDir}/models/llama`, { backend, onProgress: (n) => progress.push(n) });
    try {
      expect(m.architecture).toBe('LlamaForCausalLM');
      expect(m.backend).toBe(backend);
      expect(m.config).toMatchObject({ hidden: 64, heads: 4, kvHeads: 2, ropeTheta: 10000 });
      expect(progress.at(-1)).toBeGreaterThan(0);
      for (const g of goldenCases('llama')) {
        if (g.c.kind.endsWith('forward')) {
          const out = (await m.forward(forwardArgs(g) as never)) as unknown as Record<string, unknown>;
          expect(expectedNames(g).map((n) => check(g, n, outputFor(out, n)!)).filter(Boolean)).toEqual([]);
        } else {
          const prompt = Array.from(g.t.get('input_ids')!.data as Int32Array);
          const tokens: number[] = [];
          for await (const t of m.generate(prompt, { maxNewTokens: 12, eosTokenId: null })) tokens.push(t);
          expect(tokens).toEqual(Array.from(g.t.get('sequences')!.data as Int32Array).slice(prompt.length));
        }
      }
    } finally {
      await m.dispose();
    }
  });
});

describe('Model lifecycle', () => {
  const dir = writeTinyCheckpoint(join(root, 'llama'), 'LlamaForCausalLM');

  it('carries the folder tokenizer when there is one', async () => {
    const bert = writeTinyCheckpoint(join(root, 'bert-tok'), 'BertForMaskedLM');
    cpSync(bertTokenizer(root), bert, { recursive: true });
    const m = await loadModel(bert, { backend: 'ts' });
    try {
      const ids = m.tokenizer!.encode('hello world');
      expect(ids).toEqual([2, 5, 6, 3]);
      const out = await m.forward({ inputIds: [ids] });
      expect(out.logits!.dims).toEqual([1, 4, 96]);
    } finally {
      await m.dispose();
    }
    const plain = await loadModel(dir, { backend: 'ts' });
    expect(plain.tokenizer).toBeUndefined();
    await plain.dispose();
  });

  it('seeded sampling is reproducible; EOS and stop ids end the stream', async () => {
    const m = await loadModel(dir, { backend: 'ts' });
    try {
      const take = async (o: object) => {
        const out: number[] = [];
        for await (const t of m.generate([5, 6, 7], { maxNewTokens: 10, ...o })) out.push(t);
        return out;
      };
      const a = await take({ temperature: 0.9, topK: 20, topP: 0.9, minP: 0.02, repetitionPenalty: 1.2, seed: 7, eosTokenId: null });
      expect(await take({ temperature: 0.9, topK: 20, topP: 0.9, minP: 0.02, repetitionPenalty: 1.2, seed: 7, eosTokenId: null })).toEqual(a);
      expect(a).toHaveLength(10);
      const greedy = await take({ eosTokenId: null });
      expect(await take({ eosTokenId: greedy[2] })).toEqual(greedy.slice(0, greedy.indexOf(greedy[2]) + 1));
      expect(await take({ eosTokenId: null, stopTokenIds: [greedy[1]] })).toEqual(greedy.slice(0, greedy.indexOf(greedy[1]) + 1));
    } finally {
      await m.dispose();
    }
  });

  it('generateBatch streams one step of every sequence at a time', async () => {
    const m = await loadModel(dir, { backend: 'ts' });
    try {
      const alone = async (p: number[]) => {
        const out: number[] = [];
        for await (const t of m.generate(p, { maxNewTokens: 5, eosTokenId: null })) out.push(t);
        return out;
      };
      const steps: (number | null)[][] = [];
      for await (const s of m.generateBatch([[5, 6, 7, 8], [9]], { maxNewTokens: 5, eosTokenId: null })) steps.push(s);
      expect(steps.map((s) => s[0])).toEqual(await alone([5, 6, 7, 8]));
      expect(steps.map((s) => s[1])).toEqual(await alone([9]));
    } finally {
      await m.dispose();
    }
  });

  it('an aborted signal rejects a queued call; breaking out of the stream stops the worker', async () => {
    const m = await loadModel(dir, { backend: 'ts' });
    try {
      const ac = new AbortController();
      const first = m.forward({ inputIds: [[1, 2, 3, 4]] });
      const second = m.forward({ inputIds: [[1, 2, 3, 4]] }, { signal: ac.signal });
      ac.abort();
      await expect(first).resolves.toHaveProperty('logits');
      await expect(second).rejects.toThrow(AbortError);
      const ac2 = new AbortController();
      const got: number[] = [];
      const run = async () => {
        for await (const t of m.generate([1, 2], { maxNewTokens: 50, eosTokenId: null, signal: ac2.signal })) {
          got.push(t);
          if (got.length === 2) ac2.abort();
        }
      };
      await expect(run()).rejects.toThrow(AbortError);
      for await (const t of m.generate([1, 2], { maxNewTokens: 50, eosTokenId: null })) if (t >= 0) break;
      await expect(m.forward({ inputIds: [[3]] })).resolves.toHaveProperty('logits');
    } finally {
      await m.dispose();
    }
  });

  it('abort is honoured between layers during a prefill', async () => {
    const m = await loadLocal(dir, { backend: 'ts' });
    let checks = 0;
    const run = {
      ops: m.ops,
      checkAbort() {
        if (++checks === 2) throw new AbortError('aborted');
      },
    };
    expect(() => generateTokens(m.net, Int32Array.of(1, 2, 3), {}, m, run, () => {})).toThrow(AbortError);
    // Layer 0 ran, layer 1 did not start: the abort came between the two layers of the prefill.
    expect(checks).toBe(2);
  });

  it('dispose waits for in-flight work, then every call throws DisposedError', async () => {
    const m = await loadModel(dir, { backend: 'ts' });
    const pending = m.forward({ inputIds: [[1, 2, 3]] });
    const disposed = m.dispose();
    await expect(pending).resolves.toHaveProperty('logits');
    await disposed;
    await expect(m.forward({ inputIds: [[1]] })).rejects.toThrow(DisposedError);
    await expect(m.generate([1])[Symbol.asyncIterator]().next()).rejects.toThrow(DisposedError);
  });

  it.skipIf(!nativeLoaded)('dispose during a native generation waits for it, then frees the mapped checkpoint', async () => {
    const m = await loadModel(dir, { backend: 'native' });
    const it_ = m.generate([1, 2, 3], { maxNewTokens: 30, eosTokenId: null })[Symbol.asyncIterator]();
    const first = await it_.next();
    expect(first.done).toBe(false);
    await m.dispose();
    let n = 1;
    for (let r = await it_.next(); !r.done; r = await it_.next()) n++;
    expect(n).toBe(30);
    await expect(m.forward({ inputIds: [[1]] })).rejects.toThrow(DisposedError);
  });

  it('a worker that dies rejects its pending calls and dispose still resolves', async () => {
    const m = await loadModel(dir, { backend: 'ts' });
    const pending = m.forward({ inputIds: [[1, 2, 3]] });
    await (m as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(pending).rejects.toThrow(/model worker exited/);
    await m.dispose();
    await expect(m.forward({ inputIds: [[1]] })).rejects.toThrow(DisposedError);
  });

  it('the event loop stays free while a model loads and generates', async () => {
    const big = writeTinyCheckpoint(join(root, 'big'), 'LlamaForCausalLM', {
      config: { hidden_size: 256, num_attention_heads: 8, num_key_value_heads: 4, intermediate_size: 512, num_hidden_layers: 4, vocab_size: 2048, max_position_embeddings: 512 },
    });
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const t0 = performance.now();
    const m = await loadModel(big, { backend: 'ts' });
    let n = 0;
    for await (const _ of m.generate(Array.from({ length: 64 }, (_, i) => i + 1), { maxNewTokens: 48, eosTokenId: null })) n += _ >= 0 ? 1 : 0;
    const elapsed = performance.now() - t0;
    await m.dispose();
    h.disable();
    expect(n).toBe(48);
    const maxMs = h.max / 1e6;
    // The work took far longer than any single stall of the main thread.
    expect(elapsed).toBeGreaterThan(maxMs * 4);
    if (process.env.ATTNSCAN_REPORT) console.log(`event loop: max ${maxMs.toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms over ${elapsed.toFixed(0)} ms`);
    expect(maxMs).toBeLessThan(250);
  });
});
