// The f16 KV cache (loadModel(dir, { kvCache: 'f16' })): the cache itself, generation on the tiny
// decoders and encoder-decoders against the f32 cache on both backends (step logits within the f16
// rounding of K and V, the same greedy tokens), the scheduler's ragged steps, and the byte accounting
// the serving budget relies on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { ValueRangeError } from '../../lib/errors.js';
import { generateTokens } from '../../lib/generation/generate.js';
import { type KvDType, KvCache, stateBytes } from '../../lib/generation/kv-cache.js';
import { f16ToF32, f32ToF16 } from '../../lib/kernels/half.js';
import { loadLocal, type LocalModel } from '../../lib/models/local.js';
import { loadModel } from '../../lib/models/model.js';
import { Tensor } from '../../lib/tensor.js';
import { nativeLoaded } from '../helpers/backends.js';
import { compareArrays } from '../helpers/compare.js';
import { fixturesDir } from '../helpers/fixtures.js';
import { Rng } from '../helpers/rng.js';
import { writeTinyCheckpoint } from '../helpers/tiny-checkpoint.js';

const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

describe('KvCache f16', () => {
  it('stores appended rows rounded to f16, grows, views batches and counts half the bytes', () => {
    const rng = new Rng(3);
    const [batch, kvHeads, headDim] = [2, 3, 5];
    const c16 = new KvCache(batch, kvHeads, headDim, 2, 'f16');
    const c32 = new KvCache(batch, kvHeads, headDim, 2);
    expect(c16.dtype).toBe('f16');
    expect(c16.tokenBytes * 2).toBe(c32.tokenBytes);
    expect(c16.bytes * 2).toBe(c32.bytes);
    let last: { k: { data: ArrayLike<number>; dims: readonly number[]; dtype?: string }; v: { data: ArrayLike<number> } } | undefined;
    let ref: { k: Tensor; v: Tensor } | undefined;
    for (const seq of [3, 1, 4]) {
      const dims = [batch, seq, kvHeads, headDim];
      const k = new Tensor(rng.f32(batch * seq * kvHeads * headDim), dims);
      const v = new Tensor(rng.f32(batch * seq * kvHeads * headDim), dims);
      last = c16.append(k, v);
      ref = c32.append(k, v) as { k: Tensor; v: Tensor };
    }
    expect(last!.k.dims).toEqual([batch, 8, kvHeads, headDim]);
    expect(last!.k.dtype).toBe('f16');
    expect(last!.k.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(last!.k.data)).toEqual(Array.from(ref!.k.data, f32ToF16));
    expect(Array.from(last!.v.data, f16ToF32)).toEqual(Array.from(ref!.v.data, (x) => f16ToF32(f32ToF16(x))));
    expect(c16.bytes * 2).toBe(c32.bytes);
    c16.truncate(5);
    expect(c16.length).toBe(5);
  });
});

/** Greedy steps from a prompt with the given cache dtype: the tokens and each step's logits. */
function greedy(m: LocalModel, prompt: number[], steps: number, kvCache: KvDType) {
  const tokens: number[] = [];
  const logits: Float32Array[] = [];
  generateTokens(m.net, Int32Array.from(prompt), { maxNewTokens: steps, eosTokenId: null }, m, { ops: m.ops, checkAbort() {}, kvCache }, (t, l) => {
    tokens.push(t);
    logits.push(l.slice());
  });
  return { tokens, logits };
}

// Ids below 96, the tiny checkpoint's vocabulary.
const prompts = [
  [3, 17, 20, 5, 9, 44, 12],
  [8, 1, 61, 62, 63, 64, 2, 30, 31, 90, 91, 92, 11],
];

describe.each(backends)('f16 KV cache on %s', (backend) => {
  // Rounding K and V to f16 (relative 2^-11) moves these tiny models' logits by at most 0.5% of the
  // row's largest logit (T5, whose unscaled scores amplify it most; LLaMA and GPT-2 0.1%, BART
  // 0.25%); the bound is 1%. The greedy tokens must agree (every step on these prompts: the top-two
  // margins are wider than the differences).
  it.each(['llama', 'gpt2', 't5', 'bart'])('%s: step logits within 1%% of the largest logit of the f32 cache, same greedy tokens', async (arch) => {
    const m = await loadLocal(`${fixturesDir}/models/${arch}`, { backend });
    try {
      for (const [p, prompt] of prompts.entries()) {
        const a = greedy(m, prompt, 10, 'f32');
        const b = greedy(m, prompt, 10, 'f16');
        for (let i = 0; i < a.tokens.length; i++) {
          const bound = 1e-2 * a.logits[i].reduce((x, y) => Math.max(x, Math.abs(y)), 0);
          expect(compareArrays(b.logits[i], a.logits[i], { atol: bound, rtol: 0, nmse: 1e-4 }, `${arch}/prompt ${p}/step ${i}`)).toBeUndefined();
          // The tokens may part only at a step whose top-two margin is within twice its difference.
          const diff = a.logits[i].reduce((x, y, j) => Math.max(x, Math.abs(y - b.logits[i][j])), 0);
          const sorted = Array.from(a.logits[i]).sort((x, y) => y - x);
          if (sorted[0] - sorted[1] < 2 * diff) break;
          expect(b.tokens[i]).toBe(a.tokens[i]);
        }
      }
    } finally {
      m.checkpoint.close();
    }
  });

  it.each(['llama', 'gpt2', 't5', 'bart'])('%s: the self cache takes half the bytes per token (cross K/V stay f32)', async (arch) => {
    const m = await loadLocal(`${fixturesDir}/models/${arch}`, { backend });
    try {
      const run = (kvCache: KvDType) => m.net.begin!(new Tensor(Int32Array.of(3, 17, 5), [1, 3]), undefined, { ops: m.ops, checkAbort() {}, kvCache }, 8).state;
      const s32 = run('f32');
      const s16 = run('f16');
      const b32 = stateBytes(s32);
      const b16 = stateBytes(s16);
      expect(b32.perToken).toBeGreaterThan(0);
      expect(b16.perToken * 2).toBe(b32.perToken);
      expect(b16.encoder).toBe(b32.encoder);
      expect(b16.fixed).toBe(b32.fixed);
      for (const l of s16.layers) if (l.self) expect(l.self.dtype).toBe('f16');
      for (const l of s16.layers) if (l.cross) expect(l.cross.k.data).toBeInstanceOf(Float32Array);
    } finally {
      m.checkpoint.close();
    }
  });

  it('llama: loadLocal({ kvCache }) is what the model-level runs use', async () => {
    const m = await loadLocal(`${fixturesDir}/models/llama`, { backend, kvCache: 'f16' });
    try {
      expect(m.kvCache).toBe('f16');
    } finally {
      m.checkpoint.close();
    }
  });
});

const root = mkdtempSync(join(tmpdir(), 'attnscan-kvf16-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('loadModel({ kvCache: "f16" })', () => {
  const dir = writeTinyCheckpoint(join(root, 'llama'), 'LlamaForCausalLM');

  it.each(backends)('scheduled (ragged) generation: the tokens of the f16 cache run alone, half the reserved bytes (%s)', async (backend) => {
    const local = await loadLocal(dir, { backend });
    const alone = prompts.map((p) => greedy(local, p, 8, 'f16').tokens);
    local.checkpoint.close();
    const reserved = async (kvCache: KvDType) => {
      const m = await loadModel(dir, { backend, kvCache });
      try {
        const it = m.generate(prompts[0], { maxNewTokens: 8, eosTokenId: null })[Symbol.asyncIterator]();
        await it.next();
        const bytes = m.stats().cacheBytes;
        await it.return!();
        // Both prompts at once: every step after the prefills is one ragged step over both rows.
        const out = await Promise.all(prompts.map(async (p) => {
          const got: number[] = [];
          for await (const t of m.generate(p, { maxNewTokens: 8, eosTokenId: null })) got.push(t);
          return got;
        }));
        return { bytes, out };
      } finally {
        await m.dispose();
      }
    };
    const f32 = await reserved('f32');
    const f16 = await reserved('f16');
    expect(f16.out).toEqual(alone);
    expect(f16.bytes).toBeGreaterThan(0);
    expect(f16.bytes * 2).toBe(f32.bytes);
  });

  it.each([
    ['F16', 'f16'],
    ['F32', 'f32'],
    ['BF16', 'f32'],
  ] as const)("defaults to the checkpoint's storage: %s weights cache in %s, and an explicit kvCache wins", async (dtype, expected) => {
    const d = writeTinyCheckpoint(join(root, `llama-${dtype}`), 'LlamaForCausalLM', { dtype });
    const m = await loadModel(d);
    try {
      expect(m.kvCache).toBe(expected);
      const it = m.generate(prompts[0], { maxNewTokens: 2, eosTokenId: null })[Symbol.asyncIterator]();
      await it.next();
      const bytes = m.stats().cacheBytes;
      await it.return!();
      const other = expected === 'f16' ? 'f32' : 'f16';
      const o = await loadModel(d, { kvCache: other });
      try {
        expect(o.kvCache).toBe(other);
        const it2 = o.generate(prompts[0], { maxNewTokens: 2, eosTokenId: null })[Symbol.asyncIterator]();
        await it2.next();
        expect(o.stats().cacheBytes * (other === 'f16' ? 2 : 1)).toBe(bytes * (expected === 'f16' ? 2 : 1));
        await it2.return!();
      } finally {
        await o.dispose();
      }
    } finally {
      await m.dispose();
    }
    const local = await loadLocal(d);
    expect(local.kvCache).toBe(expected);
    local.checkpoint.close();
  });

  it('rejects an unknown kvCache', async () => {
    await expect(loadModel(dir, { kvCache: 'bf16' as never })).rejects.toThrow(ValueRangeError);
    await expect(loadModel(dir, { kvCache: 'bf16' as never })).rejects.toThrow(`loadModel: kvCache must be 'f32' or 'f16', got "bf16"`);
  });
});
