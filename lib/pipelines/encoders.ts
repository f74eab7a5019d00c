// The encoder tasks: one padded forward pass per call, then pooling, mask filling or label scores.
import { ShapeError, ValueRangeError } from '../errors.js';
import type { TextTokenizer } from '../io/tokenizer.js';
import type { Model } from '../models/model.js';
import { Tensor } from '../tensor.js';
import { encodeBatch, encodeTruncated, forwardInputs, padIdOf, padRight } from './batch.js';
import { softmax, sigmoid, topIndices } from './math.js';
import { applyDense } from './dense.js';
import { checkPooling, l2Normalize, pool, type PoolingSpec } from './pooling.js';
import type { ClassificationResult, FeatureExtractionOptions, FillMaskOptions, FillMaskResult, TextClassificationOptions } from './types.js';

export interface TaskContext {
  model: Model;
  tok: TextTokenizer;
  /** config.json as written (id2label, problem_type ...). */
  raw: Record<string, unknown>;
}

export function textsOf(task: string, input: unknown): string[] {
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0) throw new ShapeError(`${task}: empty input list`);
  list.forEach((t, i) => {
    if (typeof t !== 'string') throw new TypeError(`${task}: input${Array.isArray(input) ? `[${i}]` : ''} must be a string, got ${typeof t}`);
  });
  return list as string[];
}

function checkMaxLength(task: string, n: unknown): number | undefined {
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || (n as number) < 1) throw new ValueRangeError(`${task}: maxLength must be a positive integer, got ${String(n)}`);
  return n as number;
}

function checkTopK(task: string, k: unknown, fallback: number): number {
  if (k === undefined) return fallback;
  if (!Number.isInteger(k) || (k as number) < 1) throw new ValueRangeError(`${task}: topK must be a positive integer, got ${String(k)}`);
  return k as number;
}

export async function featureExtraction(c: TaskContext, defaults: PoolingSpec, input: unknown, o: FeatureExtractionOptions = {}): Promise<Tensor> {
  const texts = textsOf('feature-extraction', input);
  const pooling = o.pooling === undefined ? defaults.pooling : checkPooling(o.pooling);
  const normalize = o.normalize ?? defaults.normalize;
  const maxLength = checkMaxLength('feature-extraction', o.maxLength) ?? defaults.maxLength;
  const rows = texts.map((t) => encodeTruncated(c.tok, t, maxLength));
  rows.forEach((r, i) => {
    if (r.length === 0) throw new ValueRangeError(`feature-extraction: text ${i} has no tokens to embed`);
  });
  const b = padRight(rows, padIdOf(c.tok, c.raw));
  const out = await c.model.forward(forwardInputs(b), { signal: o.signal });
  const hidden = out.lastHiddenState ?? out.encoderLastHiddenState!;
  const [batch, seq, h] = hidden.dims;
  const data = hidden.data as Float32Array;
  if (pooling === 'none') {
    const tokens = data.slice();
    for (let i = 0; i < batch * seq; i++) if (!b.mask[i]) tokens.fill(0, i * h, (i + 1) * h);
    if (normalize) l2Normalize(tokens, h);
    return new Tensor(tokens, [batch, seq, h]);
  }
  let pooled = pool(data, b.mask, batch, seq, h, pooling);
  let width = pooling.length * h;
  for (const m of defaults.dense ?? []) {
    pooled = await applyDense(pooled, width, m, c.model.backend);
    width = m.outFeatures;
  }
  if (normalize) l2Normalize(pooled, width);
  return new Tensor(pooled, [batch, width]);
}

export async function fillMask(c: TaskContext, input: unknown, o: FillMaskOptions = {}): Promise<(FillMaskResult[] | FillMaskResult[][])[]> {
  const texts = textsOf('fill-mask', input);
  const topK = checkTopK('fill-mask', o.topK, 5);
  const { mask: maskId, maskToken } = c.tok.special;
  if (maskId === undefined) throw new ValueRangeError('fill-mask: the tokenizer has no mask token');
  const b = encodeBatch(c.tok, texts, padIdOf(c.tok, c.raw));
  b.rows.forEach((r, i) => {
    if (!r.includes(maskId)) throw new ValueRangeError(`fill-mask: input${texts.length > 1 ? ` ${i}` : ''} has no mask token ${maskToken ?? maskId}`);
  });
  const { logits } = await c.model.forward(forwardInputs(b), { signal: o.signal });
  const [, seq, vocab] = logits!.dims;
  const data = logits!.data as Float32Array;
  return b.rows.map((row, bi) => {
    const perMask = row.flatMap((id, t) => (id === maskId ? [t] : [])).map((t) => {
      const probs = softmax(data, (bi * seq + t) * vocab, vocab);
      return topIndices(probs, topK).map((token) => {
        const filled = row.slice();
        filled[t] = token;
        return {
          score: probs[token],
          token,
          tokenStr: c.tok.decode([token]),
          sequence: c.tok.decode(filled, { skipSpecialTokens: true }),
        };
      });
    });
    return perMask.length === 1 ? perMask[0] : perMask;
  });
}

export async function textClassification(c: TaskContext, input: unknown, o: TextClassificationOptions = {}): Promise<ClassificationResult[][]> {
  const texts = textsOf('text-classification', input);
  const b = encodeBatch(c.tok, texts, padIdOf(c.tok, c.raw), checkMaxLength('text-classification', o.maxLength));
  const { logits } = await c.model.forward(forwardInputs(b), { signal: o.signal });
  const [batch, numLabels] = logits!.dims;
  const data = logits!.data as Float32Array;
  const topK = o.topK === null ? numLabels : checkTopK('text-classification', o.topK, 1);
  const multi = c.raw.problem_type === 'multi_label_classification' || numLabels === 1;
  const fn = o.functionToApply ?? (multi ? 'sigmoid' : 'softmax');
  if (!['softmax', 'sigmoid', 'none'].includes(fn)) {
    throw new ValueRangeError(`text-classification: functionToApply ${String(fn)} is not one of softmax, sigmoid, none`);
  }
  const id2label = (c.raw.id2label ?? {}) as Record<string, unknown>;
  const label = (i: number) => (typeof id2label[String(i)] === 'string' ? (id2label[String(i)] as string) : `LABEL_${i}`);
  return Array.from({ length: batch }, (_, bi) => {
    const at = bi * numLabels;
    const scores = fn === 'softmax' ? softmax(data, at, numLabels) : fn === 'sigmoid' ? sigmoid(data, at, numLabels) : data.subarray(at, at + numLabels);
    return topIndices(scores, topK).map((i) => ({ label: label(i), score: scores[i] }));
  });
}
