// Small hand-built tokenizer.json files, one per family, in the layout transformers' fast
// tokenizers save (fixtures ship no tokenizer). Each writes its folder and returns the vocab.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const added = (id: number, content: string, extra: Record<string, unknown> = {}) => ({
  id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true, ...extra,
});

function write(tmp: string, files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmp, 'tok-'));
  for (const [name, json] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(json));
  return dir;
}

const template = (single: unknown[], specials: Record<string, number>) => ({
  type: 'TemplateProcessing',
  single,
  pair: single,
  special_tokens: Object.fromEntries(Object.entries(specials).map(([t, id]) => [t, { id: t, ids: [id], tokens: [t] }])),
});
const sp = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
const seqA = { Sequence: { id: 'A', type_id: 0 } };

/** BERT: BertNormalizer (lowercase) + BertPreTokenizer + WordPiece, [CLS] $A [SEP]. */
export function bertTokenizer(tmp: string): string {
  const words = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', ',', '!', '.', 'the', 'cat', 'is', 'play', '##ing', 'un', '##aff', '##able'];
  const vocab = Object.fromEntries(words.map((w, i) => [w, i]));
  return write(tmp, {
    'tokenizer.json': {
      version: '1.0',
      added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((t, i) => added(i, t)),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: template([sp('[CLS]'), seqA, sp('[SEP]')], { '[CLS]': 2, '[SEP]': 3 }),
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
    },
    'tokenizer_config.json': {
      tokenizer_class: 'BertTokenizer', do_lower_case: true,
      cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', mask_token: '[MASK]', unk_token: '[UNK]',
    },
  });
}

/** GPT-2's byte -> printable character table (bytes_to_unicode). */
export function bytesToUnicode(): string[] {
  const keep = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let extra = 0;
  return Array.from({ length: 256 }, (_, b) => String.fromCharCode(keep(b) ? b : 256 + extra++));
}

const BYTE_MERGES = ['Ġ t', 'h e', 'Ġt he', 'l l', 'o r', 'Ġ w', 'Ġw or', 'Ġwor l', 'Ġworl d', 'he ll', 'hell o', 'Ġ c', 'Ġc a', 'Ġca t'];

/**
 * Byte-level BPE. `roberta`: <s> <pad> </s> <unk> first, <mask> (lstrip) last, RobertaProcessing
 * (also BART's layout). Otherwise GPT-2: <|endoftext|> last and a tokenizer_config without tokens.
 */
export function byteLevelTokenizer(tmp: string, roberta: boolean): string {
  const head = roberta ? ['<s>', '<pad>', '</s>', '<unk>'] : [];
  const words = [...head, ...bytesToUnicode(), ...BYTE_MERGES.map((m) => m.replace(' ', ''))];
  const tail = roberta ? '<mask>' : '<|endoftext|>';
  const vocab = Object.fromEntries([...words, tail].map((w, i) => [w, i]));
  const last = words.length;
  return write(tmp, {
    'tokenizer.json': {
      version: '1.0',
      added_tokens: [...head.map((t, i) => added(i, t)), added(last, tail, roberta ? { lstrip: true } : {})],
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: roberta
        ? { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false }
        : { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges: BYTE_MERGES },
    },
    'tokenizer_config.json': roberta
      ? { tokenizer_class: 'RobertaTokenizer', bos_token: '<s>', eos_token: '</s>', sep_token: '</s>', cls_token: '<s>', unk_token: '<unk>', pad_token: '<pad>', mask_token: { __type: 'AddedToken', content: '<mask>', lstrip: true, normalized: false, rstrip: false, single_word: false } }
      : { model_max_length: 1024 },
    'config.json': { model_type: roberta ? 'roberta' : 'gpt2' },
  });
}

/** LLaMA (SentencePiece BPE): Prepend/Replace normalizer, byte fallback, <s> $A, ByteFallback decoder. */
export function llamaTokenizer(tmp: string): string {
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const merges = ['l l', '▁ h', '▁h e', '▁he ll', '▁hell o', '▁ w', 'o r', '▁w or', '▁wor l', '▁worl d'];
  const chars = ['▁', 'h', 'e', 'l', 'o', 'w', 'r', 'd', 't', 'a'];
  const words = ['<unk>', '<s>', '</s>', ...bytes, ...chars, ...merges.map((m) => m.replace(' ', ''))];
  const vocab = Object.fromEntries(words.map((w, i) => [w, i]));
  return write(tmp, {
    'tokenizer.json': {
      version: '1.0',
      added_tokens: ['<unk>', '<s>', '</s>'].map((t, i) => added(i, t)),
      normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
      pre_tokenizer: null,
      post_processor: template([sp('<s>'), seqA], { '<s>': 1 }),
      decoder: {
        type: 'Sequence',
        decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }],
      },
      model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges },
    },
    'tokenizer_config.json': {
      tokenizer_class: 'LlamaTokenizer', add_bos_token: true, add_eos_token: false, legacy: false, clean_up_tokenization_spaces: false,
      bos_token: { __type: 'AddedToken', content: '<s>', lstrip: false, normalized: false, rstrip: false, single_word: false },
      eos_token: '</s>', unk_token: '<unk>', pad_token: null,
    },
  });
}

/** T5 (SentencePiece Unigram): WhitespaceSplit + Metaspace, $A </s>, <extra_id_N> sentinels. */
export function t5Tokenizer(tmp: string): string {
  const pieces: [string, number][] = [
    ['<pad>', 0], ['</s>', 0], ['<unk>', 0], ['▁', -2.5], ['▁hello', -5], ['▁world', -5.2], ['▁he', -7], ['llo', -7.5],
    ['▁wor', -8], ['ld', -8], ['▁translate', -6], ['▁English', -6.5], ['▁to', -4], ['▁German', -7], [':', -5], ['▁the', -3.5],
    ['h', -9], ['e', -9], ['l', -9], ['o', -9], ['w', -9], ['r', -9], ['d', -9], ['t', -9], ['a', -9], ['n', -9], ['s', -9], ['g', -9], ['i', -9],
    ['<extra_id_1>', 0], ['<extra_id_0>', 0],
  ];
  const n = pieces.length;
  return write(tmp, {
    'tokenizer.json': {
      version: '1.0',
      added_tokens: [added(0, '<pad>'), added(1, '</s>'), added(2, '<unk>'), added(n - 2, '<extra_id_1>'), added(n - 1, '<extra_id_0>')],
      normalizer: null,
      pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }] },
      post_processor: template([seqA, sp('</s>')], { '</s>': 1 }),
      decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      model: { type: 'Unigram', unk_id: 2, vocab: pieces, byte_fallback: false },
    },
    'tokenizer_config.json': {
      tokenizer_class: 'T5Tokenizer', eos_token: '</s>', pad_token: '<pad>', unk_token: '<unk>', extra_ids: 2,
      additional_special_tokens: ['<extra_id_0>', '<extra_id_1>'],
    },
  });
}

/** Llama-2 as newer transformers save it (legacy: false): a Metaspace pre-tokenizer, no normalizer. */
export function llamaMetaspaceTokenizer(tmp: string): string {
  const dir = llamaTokenizer(tmp);
  const path = join(dir, 'tokenizer.json');
  const json = JSON.parse(readFileSync(path, 'utf8'));
  json.normalizer = null;
  json.pre_tokenizer = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false };
  writeFileSync(path, JSON.stringify(json));
  return dir;
}

/** Llama-3 style: byte-level BPE behind a tiktoken-style Split regex, <|begin_of_text|> $A. */
export function llama3Tokenizer(tmp: string): string {
  const usable = ['Ġ p', 'Ġp a', 'Ġpa y', "' ll", '1 2', '12 3', 'Ġ d', 'o l', 'Ġd ol', 'l a', 'la r', 'Ġdol lar'];
  const words = [...bytesToUnicode(), ...usable.map((m) => m.replace(' ', ''))];
  const specials = ['<|begin_of_text|>', '<|end_of_text|>', '<|eot_id|>'];
  const vocab = Object.fromEntries(words.map((w, i) => [w, i]));
  const n = words.length;
  const pattern = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  return write(tmp, {
    'tokenizer.json': {
      version: '1.0',
      added_tokens: specials.map((t, i) => added(n + i, t)),
      normalizer: null,
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false },
          { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
        ],
      },
      post_processor: {
        type: 'Sequence',
        processors: [
          { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
          template([sp('<|begin_of_text|>'), seqA], { '<|begin_of_text|>': n }),
        ],
      },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: true, vocab, merges: usable },
    },
    'tokenizer_config.json': { tokenizer_class: 'PreTrainedTokenizerFast', bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>', clean_up_tokenization_spaces: true },
  });
}
