// text-generation and text2text-generation on the tiny random fixtures: greedy output is the
// model's own greedy tokens decoded; streamed pieces concatenate to the same text.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadTokenizer } from '../../lib/io/tokenizer.js';
import { pipeline } from '../../lib/pipelines/index.js';
import type { GenerationPipeline } from '../../lib/pipelines/index.js';
import { generationDefaults } from '../../lib/pipelines/generation.js';
import { StreamDecoder } from '../../lib/pipelines/stream-decoder.js';
import { fixtureWithTokenizer } from '../helpers/pipeline-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'attnscan-gen-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe.each(['gpt2', 'llama', 'mamba'])('text-generation on %s', (arch) => {
  let gen: GenerationPipeline;
  beforeAll(async () => {
    gen = await pipeline('text-generation', fixtureWithTokenizer(tmp, arch), { backend: 'ts' });
  });
  afterAll(() => gen.dispose());
  const prompt = 'Once upon a time, é';

  it('greedy completion is model.generate decoded; streaming pieces concatenate to it', async () => {
    const ids = gen.tokenizer.encode(prompt);
    const tokens = await collect(gen.model.generate(ids, { maxNewTokens: 12, eosTokenId: null }));
    const full = gen.tokenizer.decode([...ids, ...tokens], { skipSpecialTokens: true });
    const completion = full.slice(gen.tokenizer.decode(ids, { skipSpecialTokens: true }).length);
    const r = await gen(prompt, { maxNewTokens: 12, eosTokenId: null });
    expect(r.tokens).toEqual(tokens);
    expect(r.generatedText).toBe(prompt + completion);
    expect((await gen(prompt, { maxNewTokens: 12, eosTokenId: null, returnFullText: false })).generatedText).toBe(completion);
    const pieces = await collect(gen.stream(prompt, { maxNewTokens: 12, eosTokenId: null }));
    expect(pieces.join('')).toBe(completion);
    expect(pieces.every((p) => p.length > 0)).toBe(true);
  });

  it('batched prompts give each prompt its own result; seeded sampling is reproducible', async () => {
    const prompts = ['hi', 'a much longer prompt than the first'];
    const batched = await gen(prompts, { maxNewTokens: 5 });
    expect(batched).toHaveLength(2);
    const m = gen.model as unknown as { generateBatch?: (p: number[][], o: object) => AsyncIterable<(number | null)[]> };
    if (typeof m.generateBatch === 'function') {
      // The runtime pads on the left: each row is its tokens of the same batched run, decoded.
      const steps = await collect(m.generateBatch(prompts.map((p) => gen.tokenizer.encode(p)), { maxNewTokens: 5 }));
      prompts.forEach((p, b) => expect(batched[b].tokens).toEqual(steps.map((s) => s[b]).filter((t) => t !== null)));
    } else {
      for (const [i, p] of prompts.entries()) expect(batched[i]).toEqual(await gen(p, { maxNewTokens: 5 }));
    }
    const o = { maxNewTokens: 6, temperature: 0.9, topK: 20, seed: 7 };
    expect(await gen('hi', o)).toEqual(await gen('hi', o));
  });
});

describe('text-generation through a batch generator', () => {
  it('pieces each row together from its tokens (null = stopped) as its single run would', async () => {
    const gen = await pipeline('text-generation', fixtureWithTokenizer(tmp, 'gpt2'), { backend: 'ts' });
    try {
      const prompts = ['hi', 'a much longer prompt', 'é'];
      const o = { maxNewTokens: 6 };
      const singles = [];
      for (const p of prompts) singles.push(await gen(p, o));
      const calls: number[][][] = [];
      // Stand-in for the runtime's generateBatch: every row's own greedy run, stopped rows null.
      Object.assign(gen.model, {
        generateBatch: (ps: number[][], opts: object) => ({
          async *[Symbol.asyncIterator]() {
            calls.push(ps);
            const rows = await Promise.all(ps.map((p) => collect(gen.model.generate(p, opts))));
            const limit = Math.max(...rows.map((r) => r.length));
            rows[0] = rows[0].slice(0, 2);
            for (let i = 0; i < limit; i++) yield rows.map((r) => r[i] ?? null);
          },
        }),
      });
      const batched = await gen(prompts, o);
      expect(calls).toEqual([prompts.map((p) => gen.tokenizer.encode(p))]);
      expect(batched[0].tokens).toEqual(singles[0].tokens.slice(0, 2));
      expect(batched.slice(1)).toEqual(singles.slice(1));
      expect((await gen(prompts, { ...o, returnFullText: false }))[2].generatedText).toBe(singles[2].generatedText.slice(prompts[2].length));
    } finally {
      await gen.dispose();
    }
  });
});

describe.each(['t5', 'bart'])('text2text-generation on %s', (arch) => {
  let gen: GenerationPipeline;
  beforeAll(async () => {
    gen = await pipeline('text2text-generation', fixtureWithTokenizer(tmp, arch), { backend: 'ts' });
  });
  afterAll(() => gen.dispose());

  it('the decoder output decoded (no prompt echo); streaming agrees', async () => {
    const text = 'translate English to German: the house is small';
    const tokens = await collect(gen.model.generate(gen.tokenizer.encode(text), { maxNewTokens: 10 }));
    const r = await gen(text, { maxNewTokens: 10 });
    expect(r.tokens).toEqual(tokens);
    expect(r.generatedText).toBe(gen.tokenizer.decode(tokens, { skipSpecialTokens: true }));
    expect((await collect(gen.stream(text, { maxNewTokens: 10 }))).join('')).toBe(r.generatedText);
    const both = await gen([text, 'summarize: short'], { maxNewTokens: 4 });
    expect(both[0].tokens).toEqual(tokens.slice(0, 4));
  });
});

describe('generation_config.json defaults', () => {
  it('maps HF fields; the caller overrides them', () => {
    expect(generationDefaults(undefined, 'decoder', 5)).toEqual({});
    expect(generationDefaults({ max_length: 12, bos_token_id: 1 }, 'decoder', 5)).toEqual({ maxNewTokens: 7 });
    expect(generationDefaults({ max_length: 12 }, 'encoder-decoder', 5)).toEqual({ maxNewTokens: 11 });
    expect(generationDefaults({ max_new_tokens: 3, max_length: 99, repetition_penalty: 1.2 }, 'decoder', 5)).toEqual({ maxNewTokens: 3, repetitionPenalty: 1.2 });
    expect(generationDefaults({ do_sample: true, temperature: 0.6, top_p: 0.9 }, 'decoder', 5)).toEqual({ temperature: 0.6, topK: 50, topP: 0.9 });
    expect(generationDefaults({ do_sample: false, temperature: 0.6 }, 'decoder', 5)).toEqual({});
  });

  it('a checkpoint asking for sampling samples; maxNewTokens from the file', async () => {
    const dir = fixtureWithTokenizer(tmp, 'gpt2');
    writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: 255, do_sample: true, temperature: 0.7, top_k: 10, max_new_tokens: 4 }));
    const gen = await pipeline('text-generation', dir, { backend: 'ts' });
    try {
      const ids = gen.tokenizer.encode('hello');
      const want = await collect(gen.model.generate(ids, { temperature: 0.7, topK: 10, maxNewTokens: 4, seed: 3, eosTokenId: null }));
      expect((await gen('hello', { seed: 3, eosTokenId: null })).tokens).toEqual(want);
      const greedy = await collect(gen.model.generate(ids, { maxNewTokens: 6, eosTokenId: null }));
      expect((await gen('hello', { temperature: 0, maxNewTokens: 6, eosTokenId: null })).tokens).toEqual(greedy);
    } finally {
      await gen.dispose();
    }
  });
});

describe('StreamDecoder', () => {
  it('never splits a multi-byte character and concatenates to the whole text', async () => {
    const tok = (await loadTokenizer(fixtureWithTokenizer(tmp, 'gpt2')))!;
    const text = 'naïve café — 世界 👋🏽 done';
    const ids = tok.encode(text, { addSpecialTokens: false });
    expect(ids.length).toBe(Buffer.byteLength(text));
    const d = new StreamDecoder(tok, tok.encode('prompt:'));
    const pieces = ids.map((id) => d.push(id));
    pieces.push(d.flush());
    expect(pieces.join('')).toBe(text);
    expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
    // The 4-byte emoji arrives whole on its last byte.
    expect(pieces).toContain('👋');
  });

  it('flush emits a trailing incomplete character as U+FFFD', async () => {
    const tok = (await loadTokenizer(fixtureWithTokenizer(tmp, 'gpt2')))!;
    const d = new StreamDecoder(tok);
    const ids = tok.encode('a世', { addSpecialTokens: false });
    expect([d.push(ids[0]), d.push(ids[1]), d.push(ids[2])]).toEqual(['a', '', '']);
    expect(d.flush()).toBe('\uFFFD');
  });
});
