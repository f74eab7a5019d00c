// feature-extraction, fill-mask and text-classification on the tiny random fixtures: outputs are
// arbitrary, so each is checked against the same computation done by hand on model.forward.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { pipeline } from '../../lib/pipelines/index.js';
import type { FeatureExtractionPipeline, FillMaskPipeline, FillMaskResult, TextClassificationPipeline } from '../../lib/pipelines/index.js';
import { nativeLoaded } from '../helpers/backends.js';
import { fixtureWithTokenizer } from '../helpers/pipeline-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'attnscan-pipe-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const softmax = (x: ArrayLike<number>) => {
  const m = Math.max(...Array.from(x));
  const e = Array.from(x, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

/** One unpadded forward pass of ids: the token states (an encoder-decoder's encoder states). */
async function forwardOne(p: { model: FeatureExtractionPipeline['model'] }, ids: number[]) {
  const out = await p.model.forward({ inputIds: [ids] });
  return { lastHiddenState: out.lastHiddenState ?? out.encoderLastHiddenState };
}

describe.each(['bert', 'roberta', 'albert', 'gpt2', 't5'])('feature-extraction on %s', (arch) => {
  let fe: FeatureExtractionPipeline;
  let dir: string;
  beforeAll(async () => {
    dir = fixtureWithTokenizer(tmp, arch);
    fe = await pipeline('feature-extraction', dir, { backend: 'ts' });
  });
  afterAll(() => fe.dispose());
  const texts = ['hello world', 'a longer sentence, with more tokens é 世界', 'x'];

  it('mean pooling is the mean of the unpadded token states; batched equals one by one', async () => {
    const batched = await fe(texts);
    const h = batched.dims[1];
    expect(batched.dims).toEqual([3, h]);
    for (const [i, t] of texts.entries()) {
      const ids = fe.tokenizer.encode(t);
      const { lastHiddenState } = await forwardOne(fe, ids);
      const want = new Float64Array(h);
      for (let s = 0; s < ids.length; s++) for (let k = 0; k < h; k++) want[k] += lastHiddenState!.data[s * h + k] / ids.length;
      const got = batched.data.subarray(i * h, (i + 1) * h);
      for (let k = 0; k < h; k++) expect(got[k]).toBeCloseTo(want[k], 4);
      const alone = await fe(t);
      expect(alone.dims).toEqual([1, h]);
      for (let k = 0; k < h; k++) expect(alone.data[k]).toBeCloseTo(got[k], 4);
    }
  });

  it('cls, max, none and normalize', async () => {
    const ids = fe.tokenizer.encode(texts[1]);
    const { lastHiddenState } = await forwardOne(fe, ids);
    const hs = lastHiddenState!.data;
    const h = lastHiddenState!.dims[2];
    const cls = await fe(texts, { pooling: 'cls' });
    for (let k = 0; k < h; k++) expect(cls.data[h + k]).toBeCloseTo(hs[k], 4);
    const max = await fe(texts, { pooling: 'max' });
    for (let k = 0; k < h; k++) {
      let m = -Infinity;
      for (let s = 0; s < ids.length; s++) m = Math.max(m, hs[s * h + k]);
      expect(max.data[h + k]).toBeCloseTo(m, 4);
    }
    const both = await fe(texts, { pooling: ['cls', 'mean'], normalize: true });
    expect(both.dims).toEqual([3, 2 * h]);
    for (let r = 0; r < 3; r++) {
      const row = both.data.subarray(r * 2 * h, (r + 1) * 2 * h);
      expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    }
    const tokens = await fe(texts, { pooling: 'none' });
    const seq = tokens.dims[1];
    expect(tokens.dims).toEqual([3, seq, h]);
    for (let k = 0; k < ids.length * h; k++) expect(tokens.data[seq * h + k]).toBeCloseTo(hs[k], 4);
    // Row 2 ('x') is padded: its padded positions are zeros.
    const xLen = fe.tokenizer.encode('x').length;
    expect(tokens.data.subarray((2 * seq + xLen) * h, 3 * seq * h).every((v) => v === 0)).toBe(true);
  });
});

describe('feature-extraction with sentence-transformers files', () => {
  const st = (pooling: Record<string, unknown>, normalize: boolean) => {
    const dir = fixtureWithTokenizer(tmp, 'bert');
    const modules = [
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
      ...(normalize ? [{ idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' }] : []),
    ];
    writeFileSync(join(dir, 'modules.json'), JSON.stringify(modules));
    mkdirSync(join(dir, '1_Pooling'));
    writeFileSync(join(dir, '1_Pooling', 'config.json'), JSON.stringify({ word_embedding_dimension: 32, ...pooling }));
    return dir;
  };

  it('CLS pooling + Normalize by default; explicit options override', async () => {
    const dir = st({ pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }, true);
    const fe = await pipeline('feature-extraction', dir, { backend: 'ts' });
    try {
      const text = 'hello there';
      const { lastHiddenState } = await fe.model.forward({ inputIds: [fe.tokenizer.encode(text)] });
      const h = lastHiddenState!.dims[2];
      const cls = Array.from(lastHiddenState!.data.subarray(0, h));
      const n = Math.hypot(...cls);
      const got = await fe(text);
      expect(got.dims).toEqual([1, h]);
      for (let k = 0; k < h; k++) expect(got.data[k]).toBeCloseTo(cls[k] / n, 5);
      const raw = await fe(text, { pooling: 'cls', normalize: false });
      for (let k = 0; k < h; k++) expect(raw.data[k]).toBeCloseTo(cls[k], 4);
      const mean = await fe(text, { pooling: 'mean', normalize: false });
      expect(mean.data[0]).not.toBeCloseTo(cls[0], 4);
    } finally {
      await fe.dispose();
    }
  });

  it('mean + max concatenated, no Normalize; the pooling_mode string form', async () => {
    const fe = await pipeline('feature-extraction', st({ pooling_mode_mean_tokens: true, pooling_mode_max_tokens: true }, false), { backend: 'ts' });
    const fe2 = await pipeline('feature-extraction', st({ pooling_mode: 'max' }, false), { backend: 'ts' });
    try {
      const texts = ['hello world', 'x'];
      const got = await fe(texts);
      const h = got.dims[1] / 2;
      const max = await fe(texts, { pooling: 'max' });
      const mean = await fe(texts, { pooling: 'mean' });
      for (let r = 0; r < 2; r++) {
        // sentence-transformers order: max before mean.
        expect(Array.from(got.data.subarray(r * 2 * h, r * 2 * h + h))).toEqual(Array.from(max.data.subarray(r * h, (r + 1) * h)));
        expect(Array.from(got.data.subarray(r * 2 * h + h, (r + 1) * 2 * h))).toEqual(Array.from(mean.data.subarray(r * h, (r + 1) * h)));
      }
      expect(Array.from((await fe2(texts)).data)).toEqual(Array.from(max.data));
    } finally {
      await Promise.all([fe.dispose(), fe2.dispose()]);
    }
  });
});

describe.each(['bert', 'roberta', 'albert'])('fill-mask on %s', (arch) => {
  let fm: FillMaskPipeline;
  beforeAll(async () => {
    fm = await pipeline('fill-mask', fixtureWithTokenizer(tmp, arch), { backend: 'ts' });
  });
  afterAll(() => fm.dispose());

  it('scores are the softmax at the mask position, sorted, with the filled sequence', async () => {
    const mask = fm.tokenizer.special.maskToken!;
    const text = `the cat ${mask} here`;
    const ids = fm.tokenizer.encode(text);
    const at = ids.indexOf(fm.tokenizer.special.mask!);
    const { logits } = await fm.model.forward({ inputIds: [ids] });
    const vocab = logits!.dims[2];
    const probs = softmax(logits!.data.subarray(at * vocab, (at + 1) * vocab));
    const order = probs.map((_, i) => i).sort((a, b) => probs[b] - probs[a]);
    const got = (await fm(text, { topK: 4 })) as FillMaskResult[];
    expect(got).toHaveLength(4);
    got.forEach((r, i) => {
      expect(r.token).toBe(order[i]);
      expect(r.score).toBeCloseTo(probs[order[i]], 6);
      expect(r.tokenStr).toBe(fm.tokenizer.decode([r.token]));
      const filled = ids.slice();
      filled[at] = r.token;
      expect(r.sequence).toBe(fm.tokenizer.decode(filled, { skipSpecialTokens: true }));
    });
    expect((await fm(text)) as FillMaskResult[]).toHaveLength(5);
  });

  it('several masks give one list per mask; batches equal single calls', async () => {
    const mask = fm.tokenizer.special.maskToken!;
    const texts = [`${mask} is ${mask}`, `hello ${mask} world and more words`];
    const batched = await fm(texts, { topK: 3 });
    expect(batched).toHaveLength(2);
    expect(batched[0]).toHaveLength(2);
    for (const [i, t] of texts.entries()) {
      const one = await fm(t, { topK: 3 });
      const flat = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'number' ? Number(v.toFixed(5)) : v));
      expect(flat(batched[i])).toBe(flat(one));
    }
  });
});

describe('text-classification on bert-cls', () => {
  let tc: TextClassificationPipeline;
  beforeAll(async () => {
    tc = await pipeline('text-classification', fixtureWithTokenizer(tmp, 'bert-cls'), { backend: 'ts' });
  });
  afterAll(() => tc.dispose());

  it('labels from id2label with softmax scores; topK; batches', async () => {
    const texts = ['good movie', 'a rather longer review text here'];
    const rows: number[][] = [];
    for (const t of texts) rows.push(softmax((await tc.model.forward({ inputIds: [tc.tokenizer.encode(t)] })).logits!.data));
    const all = await tc(texts, { topK: null });
    expect(all).toHaveLength(2);
    all.forEach((labels, i) => {
      expect(labels).toHaveLength(3);
      expect(labels.map((l) => l.score)).toEqual([...labels.map((l) => l.score)].sort((a, b) => b - a));
      for (const l of labels) expect(l.score).toBeCloseTo(rows[i][Number(l.label.slice(6))], 5);
    });
    const top = await tc(texts[0]);
    expect(top).toHaveLength(1);
    expect(top[0]).toEqual(all[0][0]);
    const sig = await tc(texts[0], { topK: 2, functionToApply: 'sigmoid' });
    expect(sig).toHaveLength(2);
    const logits = (await tc.model.forward({ inputIds: [tc.tokenizer.encode(texts[0])] })).logits!.data;
    for (const l of sig) expect(l.score).toBeCloseTo(1 / (1 + Math.exp(-logits[Number(l.label.slice(6))])), 5);
  });
});

describe('text-classification, multi-label', () => {
  it('problem_type multi_label_classification scores each label with a sigmoid', async () => {
    const dir = fixtureWithTokenizer(tmp, 'bert-cls');
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, problem_type: 'multi_label_classification', id2label: { 0: 'toxic', 1: 'spam', 2: 'ok' } }));
    const tc = await pipeline('text-classification', dir, { backend: 'ts' });
    try {
      const logits = (await tc.model.forward({ inputIds: [tc.tokenizer.encode('buy now')] })).logits!.data;
      const names = ['toxic', 'spam', 'ok'];
      const got = await tc('buy now', { topK: null });
      expect(got.map((l) => l.label).sort()).toEqual([...names].sort());
      for (const l of got) expect(l.score).toBeCloseTo(1 / (1 + Math.exp(-logits[names.indexOf(l.label)])), 5);
      expect(got.reduce((a, l) => a + l.score, 0)).not.toBeCloseTo(1, 3);
    } finally {
      await tc.dispose();
    }
  });
});

describe.runIf(nativeLoaded)('native backend', () => {
  it('fill-mask and feature-extraction agree with the TS backend', async () => {
    const dir = fixtureWithTokenizer(tmp, 'bert');
    const [fmTs, fmNative] = await Promise.all([pipeline('fill-mask', dir, { backend: 'ts' }), pipeline('fill-mask', dir, { backend: 'native' })]);
    const [feTs, feNative] = await Promise.all([pipeline('feature-extraction', dir, { backend: 'ts' }), pipeline('feature-extraction', dir, { backend: 'native' })]);
    try {
      const texts = ['the [MASK] sat', 'a longer [MASK] sentence here'];
      const a = (await fmTs(texts, { topK: 3 })) as FillMaskResult[][];
      const b = (await fmNative(texts, { topK: 3 })) as FillMaskResult[][];
      a.forEach((row, i) => row.forEach((r, k) => {
        expect(b[i][k].token).toBe(r.token);
        expect(b[i][k].score).toBeCloseTo(r.score, 4);
      }));
      const ea = await feTs(texts, { normalize: true });
      const eb = await feNative(texts, { normalize: true });
      ea.data.forEach((v, i) => expect(eb.data[i]).toBeCloseTo(v, 4));
    } finally {
      await Promise.all([fmTs, fmNative, feTs, feNative].map((p) => p.dispose()));
    }
  });
});
