// Truncation keeps the special tokens where the tokenizer puts them; sentence-transformers'
// max_seq_length is the feature-extraction default.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { ValueRangeError } from '../../lib/errors.js';
import { loadTokenizer } from '../../lib/io/tokenizer.js';
import { encodeTruncated } from '../../lib/pipelines/batch.js';
import { pipeline } from '../../lib/pipelines/index.js';
import { fixtureWithTokenizer } from '../helpers/pipeline-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'attnscan-trunc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('encodeTruncated', () => {
  it.each([
    ['bert', [2], [3]],
    ['roberta', [0], [2]],
    ['llama', [1], []],
    ['t5', [], [1]],
    ['gpt2', [], []],
  ])('%s keeps its special tokens around the cut text', async (arch, head, tail) => {
    const tok = (await loadTokenizer(fixtureWithTokenizer(tmp, arch)))!;
    const text = 'abcdefghij';
    const bare = tok.encode(text, { addSpecialTokens: false });
    expect(encodeTruncated(tok, text, undefined)).toEqual(tok.encode(text));
    expect(encodeTruncated(tok, text, 100)).toEqual(tok.encode(text));
    const max = head.length + tail.length + 4;
    expect(encodeTruncated(tok, text, max)).toEqual([...head, ...bare.slice(0, 4), ...tail]);
    if (head.length + tail.length > 0) expect(() => encodeTruncated(tok, text, head.length + tail.length)).toThrow(ValueRangeError);
  });
});

describe('feature-extraction truncation', () => {
  it("max_seq_length from sentence_bert_config.json is the default; maxLength overrides", async () => {
    const dir = fixtureWithTokenizer(tmp, 'bert');
    writeFileSync(join(dir, 'modules.json'), JSON.stringify([
      { idx: 0, path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    ]));
    mkdirSync(join(dir, '1_Pooling'));
    writeFileSync(join(dir, '1_Pooling', 'config.json'), JSON.stringify({ pooling_mode_mean_tokens: true }));
    writeFileSync(join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 8, do_lower_case: false }));
    const fe = await pipeline('feature-extraction', dir, { backend: 'ts' });
    try {
      const long = 'x'.repeat(200);
      const cut = (await fe(long)).data;
      const want = (await fe(long.slice(0, 6), { maxLength: 100 })).data;
      cut.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
      const five = (await fe(long, { maxLength: 5 })).data;
      const wantFive = (await fe(long.slice(0, 3))).data;
      five.forEach((v, i) => expect(v).toBeCloseTo(wantFive[i], 5));
      await expect(fe(long, { maxLength: 0 })).rejects.toThrow(/maxLength must be a positive integer/);
    } finally {
      await fe.dispose();
    }
  });
});
