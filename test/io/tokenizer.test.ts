// loadTokenizer on hand-built tokenizer.json files for each family: ids, round trips, special ids.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CheckpointError, ValueRangeError } from '../../lib/errors.js';
import { loadTokenizer, type TextTokenizer } from '../../lib/io/tokenizer.js';
import { bertTokenizer, byteLevelTokenizer, llama3Tokenizer, llamaMetaspaceTokenizer, llamaTokenizer, t5Tokenizer } from '../helpers/tokenizer-files.js';

const tmp = mkdtempSync(join(tmpdir(), 'attnscan-tok-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function load(dir: string): Promise<TextTokenizer> {
  const tok = await loadTokenizer(dir);
  if (!tok) throw new Error('no tokenizer');
  return tok;
}

const ids = (tok: TextTokenizer, tokens: string[]) => tokens.map((t) => tok.tokenToId(t));

describe('WordPiece (BERT)', () => {
  it('lowercases, splits sub-words, wraps in [CLS] [SEP] and round trips', async () => {
    const tok = await load(bertTokenizer(tmp));
    expect(tok.vocabSize).toBe(18);
    expect(tok.special).toEqual({ pad: 0, unk: 1, cls: 2, sep: 3, mask: 4, maskToken: '[MASK]' });
    expect(tok.encode('Hello, world!')).toEqual(ids(tok, ['[CLS]', 'hello', ',', 'world', '!', '[SEP]']));
    expect(tok.encode('unaffable', { addSpecialTokens: false })).toEqual(ids(tok, ['un', '##aff', '##able']));
    expect(tok.encode('The cat is [MASK].', { addSpecialTokens: false })).toEqual(ids(tok, ['the', 'cat', 'is', '[MASK]', '.']));
    expect(tok.encode('zebra', { addSpecialTokens: false })).toEqual([1]);
    const e = tok.encode('The cat is playing.');
    expect(tok.decode(e, { skipSpecialTokens: true })).toBe('the cat is playing.');
    expect(tok.decode(e)).toBe('[CLS] the cat is playing. [SEP]');
    expect(tok.idToToken(14)).toBe('##ing');
  });
});

describe.each([
  { family: 'GPT-2', roberta: false },
  { family: 'RoBERTa/BART', roberta: true },
])('byte-level BPE ($family)', ({ roberta }) => {
  it('merges, falls back to bytes, round trips any text exactly', async () => {
    const tok = await load(byteLevelTokenizer(tmp, roberta));
    const plain = tok.encode('hello world the cat', { addSpecialTokens: false });
    expect(plain).toEqual(ids(tok, ['hello', 'Ġworld', 'Ġthe', 'Ġcat']));
    for (const text of ['hello world', 'héllo wörld 🤗\n\ttabs  and  spaces', ' leading space', '']) {
      expect(tok.decode(tok.encode(text, { addSpecialTokens: false }))).toBe(text);
    }
    const end = tok.vocabSize - 1;
    if (roberta) {
      expect(tok.special).toEqual({ bos: 0, eos: 2, pad: 1, unk: 3, mask: end, cls: 0, sep: 2, maskToken: '<mask>' });
      expect(tok.encode('hello world')).toEqual([0, ...ids(tok, ['hello', 'Ġworld']), 2]);
      // <mask> has lstrip: it takes the space before it.
      expect(tok.encode('hello <mask> world', { addSpecialTokens: false })).toEqual([...ids(tok, ['hello', '<mask>', 'Ġworld'])]);
      expect(tok.decode(tok.encode('hello world'), { skipSpecialTokens: true })).toBe('hello world');
    } else {
      // gpt2's tokenizer_config.json names no tokens: the GPT2Tokenizer defaults apply.
      expect(tok.special).toEqual({ bos: end, eos: end, unk: end });
      expect(tok.encode('hello world')).toEqual(plain.slice(0, 2));
      expect(tok.encode('hello<|endoftext|>')).toEqual([...ids(tok, ['hello']), end]);
      expect(tok.decode([...plain, end], { skipSpecialTokens: true })).toBe('hello world the cat');
    }
  });
});

describe.each([
  { style: 'Prepend/Replace normalizer', make: llamaTokenizer },
  { style: 'Metaspace pre-tokenizer', make: llamaMetaspaceTokenizer },
])('SentencePiece BPE with byte fallback (LLaMA, $style)', ({ make }) => {
  it('prepends ▁, adds <s>, encodes unknown characters as bytes and round trips', async () => {
    const tok = await load(make(tmp));
    expect(tok.special).toEqual({ bos: 1, eos: 2, unk: 0 });
    expect(tok.encode('hello world')).toEqual([1, ...ids(tok, ['▁hello', '▁world'])]);
    expect(tok.encode('hello ü', { addSpecialTokens: false })).toEqual(ids(tok, ['▁hello', '▁', '<0xC3>', '<0xBC>']));
    for (const text of ['hello world', 'hello wörld ü 🤗', 'the  art']) {
      expect(tok.decode(tok.encode(text), { skipSpecialTokens: true })).toBe(text);
    }
    expect(tok.decode([1, ...tok.encode('hello', { addSpecialTokens: false }), 2])).toBe('<s> hello</s>');
  });
});

describe('byte-level BPE behind a Split regex (Llama-3 style)', () => {
  it('isolates contractions and 3-digit groups, adds <|begin_of_text|> and round trips', async () => {
    const tok = await load(llama3Tokenizer(tmp));
    const bos = tok.tokenToId('<|begin_of_text|>')!;
    expect(tok.special).toEqual({ bos, eos: bos + 2 });
    const e = tok.encode("I'll pay 12345 dollars");
    expect(e[0]).toBe(bos);
    expect(e.slice(1)).toEqual(ids(tok, ['I', "'ll", 'Ġpay', 'Ġ', '123', '4', '5', 'Ġdollar', 's']));
    for (const text of ["I'll pay 12345 dollars!\n\nOK  ", 'naïve café 🤗']) {
      expect(tok.decode(tok.encode(text), { skipSpecialTokens: true })).toBe(text);
    }
  });
});

describe('Unigram (T5)', () => {
  it('segments by score, appends </s>, keeps sentinels whole and round trips', async () => {
    const tok = await load(t5Tokenizer(tmp));
    expect(tok.special).toEqual({ eos: 1, pad: 0, unk: 2 });
    expect(tok.encode('translate English to German: hello world')).toEqual([
      ...ids(tok, ['▁translate', '▁English', '▁to', '▁German', ':', '▁hello', '▁world']),
      1,
    ]);
    expect(tok.encode('hello <extra_id_0> world', { addSpecialTokens: false })).toEqual(ids(tok, ['▁hello', '<extra_id_0>', '▁world']));
    expect(tok.encode('herd', { addSpecialTokens: false })).toEqual(ids(tok, ['▁he', 'r', 'd']));
    const e = tok.encode('the world');
    expect(tok.decode(e, { skipSpecialTokens: true })).toBe('the world');
    expect(tok.encode('hello Ü', { addSpecialTokens: false })).toContain(2);
  });
});

describe('loadTokenizer', () => {
  it('returns undefined without tokenizer.json', async () => {
    expect(await loadTokenizer(mkdtempSync(join(tmp, 'none-')))).toBeUndefined();
  });

  it('throws CheckpointError naming the file for malformed JSON or an unsupported model', async () => {
    const dir = mkdtempSync(join(tmp, 'bad-'));
    writeFileSync(join(dir, 'tokenizer.json'), '{"model":');
    await expect(loadTokenizer(dir)).rejects.toThrow(CheckpointError);
    await expect(loadTokenizer(dir)).rejects.toThrow(/tokenizer\.json: not valid JSON/);
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'Mystery' } }));
    await expect(loadTokenizer(dir)).rejects.toThrow(/tokenizer\.json: @huggingface\/tokenizers cannot build this tokenizer \(Unknown TokenizerModel type: Mystery\)/);
    const dir2 = bertTokenizer(tmp);
    writeFileSync(join(dir2, 'tokenizer_config.json'), '[');
    await expect(loadTokenizer(dir2)).rejects.toThrow(/tokenizer_config\.json: not valid JSON/);
  });

  it('refuses ids outside the vocabulary in decode', async () => {
    const tok = await load(bertTokenizer(tmp));
    expect(() => tok.decode([5, 18])).toThrow(ValueRangeError);
    expect(() => tok.decode([5, -1])).toThrow(/ids\[1\] = -1 is not a token id in \[0, 18\)/);
    expect(() => tok.decode([1.5])).toThrow(ValueRangeError);
    expect(tok.decode([])).toBe('');
    expect(tok.idToToken(99)).toBeUndefined();
  });
});
