// Text <-> token ids for a checkpoint folder: tokenizer.json run by @huggingface/tokenizers
// (WordPiece, byte-level BPE, SentencePiece BPE with byte fallback, Unigram; the normalizers,
// pre-tokenizers, post-processors and decoders the file names), special tokens from
// tokenizer_config.json, then special_tokens_map.json, then the HF tokenizer class defaults
// (e.g. GPT-2's `<|endoftext|>`, which gpt2's own tokenizer_config.json does not spell out).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Tokenizer } from '@huggingface/tokenizers';

import { CheckpointError, ValueRangeError } from '../errors.js';
import { eachString, readTokenizerFile, type TokenizerFile } from './tokenizer-file.js';

export interface SpecialTokens {
  bos?: number;
  eos?: number;
  pad?: number;
  unk?: number;
  mask?: number;
  cls?: number;
  sep?: number;
  maskToken?: string;
}

export interface TextTokenizer {
  /** Token ids; the post-processor adds [CLS]/[SEP], <s>, </s> ... unless addSpecialTokens is false. */
  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[];
  /** Throws ValueRangeError for an id that is not an integer in [0, vocabSize). */
  decode(ids: number[], opts?: { skipSpecialTokens?: boolean }): string;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** One past the largest id, added tokens included (HF `len(tokenizer)`). */
  readonly vocabSize: number;
  readonly special: SpecialTokens;
}

type Role = 'bos' | 'eos' | 'pad' | 'unk' | 'mask' | 'cls' | 'sep';
const ROLES: Role[] = ['bos', 'eos', 'pad', 'unk', 'mask', 'cls', 'sep'];

// transformers' *TokenizerFast __init__ defaults, by tokenizer class stem and by model_type.
const BERT = { unk: '[UNK]', sep: '[SEP]', pad: '[PAD]', cls: '[CLS]', mask: '[MASK]' };
const ROBERTA = { bos: '<s>', eos: '</s>', sep: '</s>', cls: '<s>', unk: '<unk>', pad: '<pad>', mask: '<mask>' };
const DEFAULTS: Record<string, Partial<Record<Role, string>>> = {
  bert: BERT,
  roberta: ROBERTA,
  bart: ROBERTA,
  mbart: ROBERTA,
  mbart50: ROBERTA,
  albert: { bos: '[CLS]', eos: '[SEP]', unk: '<unk>', sep: '[SEP]', pad: '<pad>', cls: '[CLS]', mask: '[MASK]' },
  gpt2: { bos: '<|endoftext|>', eos: '<|endoftext|>', unk: '<|endoftext|>' },
  llama: { bos: '<s>', eos: '</s>', unk: '<unk>' },
  t5: { eos: '</s>', unk: '<unk>', pad: '<pad>' },
};

async function readJson(path: string, required: boolean): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CheckpointError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${path}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new CheckpointError(`${path}: not a JSON object`);
  return json as Record<string, unknown>;
}

/** A special token entry is a string, an AddedToken object ({ content }), or null (none). */
function tokenText(v: unknown): string | null | undefined {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

function defaultsFor(tokenizerClass: unknown, modelType: unknown): Partial<Record<Role, string>> {
  const stem = typeof tokenizerClass === 'string' ? tokenizerClass.replace(/TokenizerFast$|Tokenizer$/, '').toLowerCase() : '';
  return DEFAULTS[stem] ?? DEFAULTS[typeof modelType === 'string' ? modelType : ''] ?? {};
}

class HfTextTokenizer implements TextTokenizer {
  readonly vocabSize: number;
  private readonly skip: Set<number>;

  constructor(
    private readonly tok: Tokenizer,
    readonly special: SpecialTokens,
  ) {
    this.vocabSize = (tok.model as unknown as { vocab: unknown[] }).vocab.length;
    this.skip = new Set([...tok.get_added_tokens_decoder().values()].filter((t) => t.special).map((t) => t.id));
    for (const r of ROLES) if (special[r] !== undefined) this.skip.add(special[r]!);
  }

  encode(text: string, opts: { addSpecialTokens?: boolean } = {}): number[] {
    if (typeof text !== 'string') throw new TypeError(`encode: expected a string, got ${typeof text}`);
    if (text === '' && opts.addSpecialTokens === false) return [];
    return this.tok.encode(text, { add_special_tokens: opts.addSpecialTokens ?? true }).ids;
  }

  decode(ids: number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new ValueRangeError(`decode: ids[${i}] = ${id} is not a token id in [0, ${this.vocabSize})`);
      }
    }
    const kept = opts.skipSpecialTokens ? ids.filter((id) => !this.skip.has(id)) : ids;
    if (kept.length === 0) return '';
    return this.tok.decode(kept, { skip_special_tokens: opts.skipSpecialTokens ?? false });
  }

  tokenToId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 && id < this.vocabSize ? this.tok.id_to_token(id) : undefined;
  }
}

/** tokenizer.json read and parsed off the main thread (tokenizer-file.ts); undefined when absent. */
async function readTokenizerJson(path: string): Promise<{ json: Record<string, unknown>; bpe?: Extract<TokenizerFile, { kind: 'bpe' }> } | undefined> {
  const f = await readTokenizerFile(path);
  if (f.kind === 'missing') return undefined;
  if (f.kind === 'error') throw new CheckpointError(f.what === 'read' ? `${path}: cannot read (${f.message})` : `${path}: not valid JSON (${f.message})`);
  let json: unknown;
  try {
    json = JSON.parse(f.kind === 'bpe' ? f.rest : f.text);
  } catch (e) {
    throw new CheckpointError(`${path}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new CheckpointError(`${path}: not a JSON object`);
  return { json: json as Record<string, unknown>, bpe: f.kind === 'bpe' ? f : undefined };
}

interface BpeInternals {
  tokens_to_ids: Map<string, number>;
  vocab: string[];
  bpe_ranks: Map<string, number>;
  unk_token?: string;
  unk_token_id?: number;
}

/**
 * Fills a BPE model built from an empty vocabulary and merge list, in slices, as its constructor
 * would have (@huggingface/tokenizers 0.2.0's BPE fields), then re-applies what the Tokenizer
 * constructor did on top: added tokens override vocabulary entries.
 */
async function fillBpe(tok: Tokenizer, f: Extract<TokenizerFile, { kind: 'bpe' }>): Promise<void> {
  const m = tok.model as unknown as BpeInternals;
  if (!(m.tokens_to_ids instanceof Map) || !(m.bpe_ranks instanceof Map) || !Array.isArray(m.vocab)) {
    throw new Error('internal: @huggingface/tokenizers BPE model layout changed');
  }
  const added = [...m.tokens_to_ids];
  m.tokens_to_ids.clear();
  await eachString(f.vocab, (i, s) => {
    m.tokens_to_ids.set(s, f.ids[i]);
    m.vocab[f.ids[i]] = s;
  });
  await eachString(f.ranks, (i, key) => m.bpe_ranks.set(key, i));
  for (const [content, id] of added) {
    m.tokens_to_ids.set(content, id);
    m.vocab[id] = content;
  }
  m.unk_token_id = m.unk_token === undefined ? undefined : m.tokens_to_ids.get(m.unk_token);
}

/** The folder's tokenizer, or undefined when it has no tokenizer.json. */
export async function loadTokenizer(dir: string): Promise<TextTokenizer | undefined> {
  const path = join(dir, 'tokenizer.json');
  const read = await readTokenizerJson(path);
  if (!read) return undefined;
  const { json, bpe } = read;
  const configPath = join(dir, 'tokenizer_config.json');
  const config = (await readJson(configPath, false)) ?? {};
  const specialMap = (await readJson(join(dir, 'special_tokens_map.json'), false)) ?? {};
  const modelConfig = (await readJson(join(dir, 'config.json'), false)) ?? {};
  if (json.model === null || typeof json.model !== 'object') throw new CheckpointError(`${path}: has no "model" object`);

  // The library wants every stage key present and special-token values as plain strings.
  const full = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, added_tokens: [], ...json };
  const libConfig: Record<string, unknown> = { ...config };
  for (const r of ROLES) {
    const t = tokenText(config[`${r}_token`]);
    if (t !== undefined) libConfig[`${r}_token`] = t ?? undefined;
  }
  const extra = config.additional_special_tokens;
  libConfig.additional_special_tokens = Array.isArray(extra) ? extra.map(tokenText).filter((t): t is string => typeof t === 'string') : [];

  let tok: Tokenizer;
  try {
    tok = new Tokenizer(full, libConfig);
  } catch (e) {
    throw new CheckpointError(`${path}: @huggingface/tokenizers cannot build this tokenizer (${(e as Error).message})`, { cause: e });
  }
  if (bpe) await fillBpe(tok, bpe);

  const defaults = defaultsFor(config.tokenizer_class, modelConfig.model_type);
  const special: SpecialTokens = {};
  for (const r of ROLES) {
    const key = `${r}_token`;
    let text = tokenText(config[key]);
    if (text === undefined) text = tokenText(specialMap[key]);
    if (text === undefined) text = defaults[r];
    if (typeof text !== 'string') continue;
    const id = tok.token_to_id(text);
    if (id === undefined) continue;
    special[r] = id;
    if (r === 'mask') special.maskToken = text;
  }
  return new HfTextTokenizer(tok, special);
}
