// Encoder forward calls close together run as one right-padded batch: every caller gets exactly
// the outputs it gets alone (its rows, its length), whatever else shared the batch; a failing call
// fails alone; the window can be turned off; the feature-extraction pipeline batches concurrent calls.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it, vi } from 'vitest';

import { ValueRangeError } from '../../lib/errors.js';
import { loadModel, type Model } from '../../lib/models/model.js';
import { pipeline } from '../../lib/pipelines/index.js';
import { nativeLoaded } from '../helpers/backends.js';
import { compareArrays } from '../helpers/compare.js';
import { fixtureWithTokenizer } from '../helpers/pipeline-fixtures.js';
import { writeTinyCheckpoint } from '../helpers/tiny-checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'attnscan-fwd-batch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

const calls = [
  { inputIds: [[2, 10, 11, 12, 3]] },
  { inputIds: [[2, 40, 3], [2, 41, 42]], tokenTypeIds: [[0, 0, 0], [0, 1, 1]] },
  { inputIds: { data: Int32Array.of(2, 50, 51, 52, 53, 54, 55, 3, 2, 9, 3, 0, 0, 0, 0, 0), dims: [2, 8] }, attentionMask: [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0, 0, 0]] },
  { inputIds: [[2, 7, 3]], outputHiddenStates: true },
];

function expectSame(got: unknown, want: unknown, where: string): void {
  if (Array.isArray(want)) return (want as unknown[]).forEach((w, i) => expectSame((got as unknown[])[i], w, `${where}[${i}]`));
  const w = want as { data: Float32Array; dims: number[] };
  const g = got as { data: Float32Array; dims: number[] };
  expect(g.dims, where).toEqual(w.dims);
  expect(compareArrays(g.data, w.data, { atol: 1e-5, rtol: 1e-5, nmse: 1 }, where)).toBeUndefined();
}

describe.each(backends)('batched encoder forward on %s', (backend) => {
  it.each(['BertForMaskedLM', 'BertForSequenceClassification', 'BertModel', 'RobertaForMaskedLM'])('%s: each caller gets what it gets alone', async (arch) => {
    const dir = writeTinyCheckpoint(join(root, `${arch}-${backend}`), arch);
    const solo = await loadModel(dir, { backend, forwardBatchWindowMs: 0 });
    const m = await loadModel(dir, { backend, forwardBatchWindowMs: 20 });
    try {
      // RoBERTa has one token type.
      const list = arch.startsWith('Roberta') ? calls.map(({ tokenTypeIds: _, ...c }) => c) : calls;
      const alone: Awaited<ReturnType<typeof solo.forward>>[] = [];
      for (const c of list) alone.push(await solo.forward(c as never));
      const sent = vi.spyOn(m as unknown as { forwardAlone: Model['forward'] }, 'forwardAlone');
      const together = await Promise.all(list.map((c) => m.forward(c as never)));
      expect(sent).toHaveBeenCalledTimes(2);
      together.forEach((t, i) => {
        expect(Object.keys(t).sort()).toEqual(Object.keys(alone[i]).sort());
        for (const k of Object.keys(alone[i])) expectSame(t[k as keyof typeof t], alone[i][k as keyof typeof t], `${arch} call ${i} ${k}`);
      });
    } finally {
      await Promise.all([solo.dispose(), m.dispose()]);
    }
  });
});

describe('batched encoder forward', () => {
  it('a bad call fails alone; aborting one caller leaves the others', async () => {
    const dir = writeTinyCheckpoint(join(root, 'bert-errors'), 'BertForMaskedLM');
    const m = await loadModel(dir, { backend: 'ts', forwardBatchWindowMs: 20 });
    try {
      const ac = new AbortController();
      const good = m.forward({ inputIds: [[2, 5, 3]] });
      const bad = expect(m.forward({ inputIds: [[2, 500, 3]] })).rejects.toBeInstanceOf(ValueRangeError);
      const aborted = expect(m.forward({ inputIds: [[2, 6, 3]] }, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
      ac.abort();
      await bad;
      await aborted;
      expect((await good).logits!.dims).toEqual([1, 3, 96]);
    } finally {
      await m.dispose();
    }
  });

  it('calls that arrive while a forward runs wait for it and then go as one batch', async () => {
    const dir = writeTinyCheckpoint(join(root, 'bert-busy'), 'BertModel');
    const m = await loadModel(dir, { backend: 'ts', forwardBatchWindowMs: 2 });
    try {
      const later = [{ inputIds: [[2, 5, 3]] }, { inputIds: [[2, 6, 7, 8, 3]] }, { inputIds: [[2, 9, 3]] }];
      const alone: Awaited<ReturnType<typeof m.forward>>[] = [];
      for (const c of later) alone.push(await m.forward(c));
      const target = m as unknown as { forwardAlone: Model['forward'] };
      const real = target.forwardAlone.bind(m);
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      const sent = vi.spyOn(target, 'forwardAlone').mockImplementation(async (a) => {
        await gate;
        return real(a);
      });
      const first = m.forward({ inputIds: [[2, 4, 3]] });
      const pending: Promise<Awaited<ReturnType<typeof m.forward>>>[] = [];
      for (const c of later) {
        // Each call far outside the 2 ms window of the one before it.
        await new Promise((r) => setTimeout(r, 15));
        pending.push(m.forward(c));
      }
      expect(sent).toHaveBeenCalledTimes(1);
      open();
      await first;
      const got = await Promise.all(pending);
      expect(sent).toHaveBeenCalledTimes(2);
      got.forEach((g, i) => expectSame(g.lastHiddenState, alone[i].lastHiddenState, `call ${i}`));
    } finally {
      await m.dispose();
    }
  });

  it('feature-extraction: concurrent texts equal one by one', async () => {
    const fe = await pipeline('feature-extraction', fixtureWithTokenizer(root, 'bert'), { backend: 'ts' });
    try {
      const texts = ['hello world', 'a longer sentence, with more tokens', 'x'];
      const alone: Awaited<ReturnType<typeof fe>>[] = [];
      for (const t of texts) alone.push(await fe(t));
      const together = await Promise.all(texts.map((t) => fe(t)));
      together.forEach((t, i) => expectSame(t, alone[i], `text ${i}`));
    } finally {
      await fe.dispose();
    }
  });
});
