// Fixture checkpoints with a tokenizer: the tiny random models ship none, so each test copies the
// fixture folder and writes a byte-level BPE tokenizer of exactly the model's vocab (256 ids):
// the architecture's special tokens at the ids its config names, every other id one byte. Any id
// the random model produces decodes, and text in any script round-trips.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { fixturesDir } from './fixtures.js';
import { bytesToUnicode } from './tokenizer-files.js';

type Layout = { specials: Record<number, string>; roles: Record<string, string>; post: unknown };

const template = (pieces: string[], ids: Record<string, number>) => {
  const single = pieces.map((t) => (t === '$A' ? { Sequence: { id: 'A', type_id: 0 } } : { SpecialToken: { id: t, type_id: 0 } }));
  return {
    type: 'TemplateProcessing',
    single,
    pair: single,
    special_tokens: Object.fromEntries(Object.entries(ids).map(([t, id]) => [t, { id: t, ids: [id], tokens: [t] }])),
  };
};
const roberta = { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false };
const bertLike = (pad: string, unk: string): Layout => ({
  specials: { 0: pad, 1: unk, 2: '[CLS]', 3: '[SEP]', 4: '[MASK]' },
  roles: { pad_token: pad, unk_token: unk, cls_token: '[CLS]', sep_token: '[SEP]', mask_token: '[MASK]' },
  post: template(['[CLS]', '$A', '[SEP]'], { '[CLS]': 2, '[SEP]': 3 }),
});
const robertaLike: Layout = {
  specials: { 0: '<s>', 1: '<pad>', 2: '</s>', 3: '<unk>', 255: '<mask>' },
  roles: { bos_token: '<s>', eos_token: '</s>', cls_token: '<s>', sep_token: '</s>', pad_token: '<pad>', unk_token: '<unk>', mask_token: '<mask>' },
  post: roberta,
};

/** Special tokens at the ids each fixture's config.json uses (pad/bos/eos/decoder start). */
export const LAYOUTS: Record<string, Layout> = {
  bert: bertLike('[PAD]', '[UNK]'),
  'bert-cls': bertLike('[PAD]', '[UNK]'),
  albert: bertLike('<pad>', '<unk>'),
  roberta: robertaLike,
  bart: robertaLike,
  gpt2: { specials: { 255: '<|endoftext|>' }, roles: { bos_token: '<|endoftext|>', eos_token: '<|endoftext|>' }, post: null },
  mamba: { specials: { 0: '<|endoftext|>' }, roles: { bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>' }, post: null },
  llama: {
    specials: { 0: '<unk>', 1: '<s>', 2: '</s>' },
    roles: { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' },
    post: template(['<s>', '$A'], { '<s>': 1 }),
  },
  t5: {
    specials: { 0: '<pad>', 1: '</s>', 2: '<unk>' },
    roles: { pad_token: '<pad>', eos_token: '</s>', unk_token: '<unk>' },
    post: template(['$A', '</s>'], { '</s>': 1 }),
  },
};

// Bytes that never occur in UTF-8: dropped (from 0xff down) to make room for the special tokens.
const INVALID_UTF8 = [0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8, 0xf7, 0xf6, 0xf5, 0xc1, 0xc0];

/** Writes tokenizer.json + tokenizer_config.json for a 256-id byte-level vocab into dir. */
export function writeByteTokenizer(dir: string, layout: Layout): void {
  const n = Object.keys(layout.specials).length;
  const dropped = new Set(INVALID_UTF8.slice(0, n));
  const chars = bytesToUnicode().filter((_, b) => !dropped.has(b));
  const vocab: Record<string, number> = {};
  for (let id = 0, next = 0; id < 256; id++) vocab[layout.specials[id] ?? chars[next++]] = id;
  const added = Object.entries(layout.specials).map(([id, content]) => ({
    id: Number(id), content, single_word: false, lstrip: content === '<mask>', rstrip: false, normalized: false, special: true,
  }));
  const tokenizer = {
    version: '1.0',
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: layout.post,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges: [] },
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizerFast', ...layout.roles }));
}

/** A temp copy of test/fixtures/models/<arch> with its tokenizer (tokenizer: false leaves it out). */
export function fixtureWithTokenizer(tmp: string, arch: string, opts: { tokenizer?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmp, `${arch}-`));
  cpSync(join(fixturesDir, 'models', arch), dir, { recursive: true, filter: (src) => !/case-.*\.safetensors$/.test(src) });
  if (opts.tokenizer !== false) writeByteTokenizer(dir, LAYOUTS[arch]);
  return dir;
}
