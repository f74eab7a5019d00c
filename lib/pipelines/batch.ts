// Several texts as one padded batch: ids [batch, seq] filled with the pad id and an attention
// mask [batch, seq] (1 = real token). Encoders and encoder-decoders pad on the right.
import { ValueRangeError } from '../errors.js';
import type { TextTokenizer } from '../io/tokenizer.js';

export interface Batch {
  ids: Int32Array;
  mask: Uint8Array;
  dims: [number, number];
  /** Each row's unpadded ids. */
  rows: number[][];
}

export function padRight(rows: number[][], padId: number): Batch {
  const len = Math.max(1, ...rows.map((r) => r.length));
  const ids = new Int32Array(rows.length * len).fill(padId);
  const mask = new Uint8Array(rows.length * len);
  rows.forEach((r, b) => {
    ids.set(r, b * len);
    mask.fill(1, b * len, b * len + r.length);
  });
  return { ids, mask, dims: [rows.length, len], rows };
}

/** The tokenizer's pad id, else config.json's pad_token_id, else 0 (padded positions are masked out). */
export function padIdOf(tok: TextTokenizer, config: Record<string, unknown>): number {
  const fromConfig = config.pad_token_id;
  return tok.special.pad ?? (typeof fromConfig === 'number' ? fromConfig : 0);
}

export function encodeBatch(tok: TextTokenizer, texts: string[], padId: number, maxLength?: number): Batch {
  return padRight(texts.map((t) => encodeTruncated(tok, t, maxLength)), padId);
}

export const forwardInputs = (b: Batch) => ({
  inputIds: { data: b.ids, dims: b.dims },
  attentionMask: { data: b.mask, dims: b.dims },
});

/**
 * The text's ids cut to max tokens with its special tokens kept ([CLS] … [SEP] stays that shape),
 * as HF's truncation=True does: the special tokens are where encode-with and encode-without differ.
 */
export function encodeTruncated(tok: TextTokenizer, text: string, max: number | undefined): number[] {
  const full = tok.encode(text);
  if (max === undefined || full.length <= max) return full;
  const bare = tok.encode(text, { addSpecialTokens: false });
  const extra = full.length - bare.length;
  if (max < extra + 1) throw new ValueRangeError(`maxLength ${max} leaves no room for text next to ${extra} special tokens`);
  let at = 0;
  while (at <= extra && !bare.every((id, i) => full[at + i] === id)) at++;
  if (at > extra) return full.slice(0, max);
  return [...full.slice(0, at), ...bare.slice(0, max - extra), ...full.slice(at + bare.length)];
}
