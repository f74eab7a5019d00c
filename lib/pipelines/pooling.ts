// Sentence embeddings from token embeddings, as sentence-transformers computes them: the modes of
// 1_Pooling/config.json concatenated in its order (cls, max, mean, mean_sqrt_len, weightedmean,
// lasttoken), padded positions left out, then the Dense modules (dense.ts) in order, then L2
// normalisation when modules.json lists Normalize.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { CheckpointError, ValueRangeError } from '../errors.js';
import { type DenseModule, readDense } from './dense.js';

export type PoolingMode = 'cls' | 'max' | 'mean' | 'mean_sqrt_len' | 'weightedmean' | 'lasttoken';
export const POOLING_MODES: readonly PoolingMode[] = ['cls', 'max', 'mean', 'mean_sqrt_len', 'weightedmean', 'lasttoken'];

export interface PoolingSpec {
  /** 'none' keeps the token embeddings [batch, seq, hidden]. */
  pooling: PoolingMode[] | 'none';
  normalize: boolean;
  /** Dense modules applied, in order, to the pooled embedding (before Normalize). */
  dense?: DenseModule[];
  /** sentence_bert_config.json's max_seq_length: longer texts are truncated, as sentence-transformers does. */
  maxLength?: number;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CheckpointError(`${path}: cannot read (${(e as Error).message})`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${path}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
}

const MODULE_KINDS = ['Transformer', 'Pooling', 'Dense', 'Normalize'];

/** The checkpoint's sentence-transformers pipeline, or undefined when it has no modules.json. */
export async function sentenceTransformersSpec(dir: string): Promise<PoolingSpec | undefined> {
  const modulesPath = join(dir, 'modules.json');
  const modules = await readJson(modulesPath);
  if (modules === undefined) return undefined;
  if (!Array.isArray(modules)) throw new CheckpointError(`${modulesPath}: expected an array of modules`);
  const spec: PoolingSpec = { pooling: 'none', normalize: false };
  for (const m of modules as { type?: unknown; path?: unknown }[]) {
    const kind = typeof m?.type === 'string' ? m.type.split('.').pop()! : '';
    if (!MODULE_KINDS.includes(kind)) {
      // Another trained module would change the embedding; refusing beats a silent mismatch.
      throw new CheckpointError(`${modulesPath}: module type ${String(m?.type)} is not supported (only ${MODULE_KINDS.join(', ')})`);
    }
    const folder = join(dir, typeof m.path === 'string' ? m.path : '');
    if (kind === 'Normalize') spec.normalize = true;
    if (kind === 'Pooling') spec.pooling = await poolingConfig(join(dir, typeof m.path === 'string' ? m.path : '1_Pooling', 'config.json'));
    if (kind === 'Dense') {
      // Dense reads the sentence embedding: it must follow Pooling, and Normalize must come last.
      if (spec.pooling === 'none' || spec.normalize) {
        throw new CheckpointError(`${modulesPath}: the Dense module ${String(m.path)} must come after Pooling and before Normalize`);
      }
      (spec.dense ??= []).push(await readDense(folder, await readJson(join(folder, 'config.json'))));
    }
  }
  const bertConfig = (await readJson(join(dir, 'sentence_bert_config.json'))) as { max_seq_length?: unknown } | undefined;
  const max = bertConfig?.max_seq_length;
  if (Number.isInteger(max) && (max as number) > 0) spec.maxLength = max as number;
  return spec;
}

async function poolingConfig(path: string): Promise<PoolingMode[]> {
  const c = (await readJson(path)) as Record<string, unknown> | undefined;
  if (c === undefined || c === null || typeof c !== 'object') throw new CheckpointError(`${path}: missing or not a JSON object`);
  if (typeof c.pooling_mode === 'string') {
    const mode = c.pooling_mode.replace(/_tokens?$/, '') as PoolingMode;
    if (!POOLING_MODES.includes(mode)) throw new CheckpointError(`${path}: pooling_mode ${c.pooling_mode} is not one of ${POOLING_MODES.join(', ')}`);
    return [mode];
  }
  const keys: Record<PoolingMode, string> = {
    cls: 'pooling_mode_cls_token',
    max: 'pooling_mode_max_tokens',
    mean: 'pooling_mode_mean_tokens',
    mean_sqrt_len: 'pooling_mode_mean_sqrt_len_tokens',
    weightedmean: 'pooling_mode_weightedmean_tokens',
    lasttoken: 'pooling_mode_lasttoken',
  };
  const modes = POOLING_MODES.filter((m) => c[keys[m]] === true);
  if (modes.length === 0) throw new CheckpointError(`${path}: no pooling_mode_* is true`);
  return modes;
}

export function checkPooling(p: unknown): PoolingMode[] | 'none' {
  if (p === 'none') return 'none';
  const list = Array.isArray(p) ? p : [p];
  for (const m of list) {
    if (!POOLING_MODES.includes(m as PoolingMode)) {
      throw new ValueRangeError(`feature-extraction: pooling ${String(m)} is not one of none, ${POOLING_MODES.join(', ')}`);
    }
  }
  if (list.length === 0) throw new ValueRangeError('feature-extraction: pooling is an empty list');
  return list as PoolingMode[];
}

/**
 * Pools hidden [batch, seq, hidden] under mask [batch, seq] → [batch, modes · hidden]. Each row
 * has at least one real token (the tokenizer adds specials; empty rows are refused earlier).
 */
export function pool(hidden: Float32Array, mask: Uint8Array, batch: number, seq: number, h: number, modes: PoolingMode[]): Float32Array {
  const out = new Float32Array(batch * modes.length * h);
  for (let b = 0; b < batch; b++) {
    const row = (t: number) => hidden.subarray((b * seq + t) * h, (b * seq + t + 1) * h);
    const real: number[] = [];
    for (let t = 0; t < seq; t++) if (mask[b * seq + t]) real.push(t);
    modes.forEach((mode, k) => {
      const dst = out.subarray((b * modes.length + k) * h, (b * modes.length + k + 1) * h);
      if (mode === 'cls') dst.set(row(real[0]));
      else if (mode === 'lasttoken') dst.set(row(real[real.length - 1]));
      else if (mode === 'max') {
        dst.fill(-Infinity);
        for (const t of real) row(t).forEach((v, i) => (dst[i] = Math.max(dst[i], v)));
      } else {
        // sentence-transformers' weightedmean weighs position t (1-based) by t.
        const acc = new Float64Array(h);
        let total = 0;
        for (const t of real) {
          const w = mode === 'weightedmean' ? t + 1 : 1;
          total += w;
          row(t).forEach((v, i) => (acc[i] += w * v));
        }
        const div = mode === 'mean_sqrt_len' ? Math.sqrt(real.length) : total;
        acc.forEach((v, i) => (dst[i] = v / div));
      }
    });
  }
  return out;
}

/** Scales each row of x [rows, width] to unit L2 norm (rows of zeros stay zero, as torch's eps does). */
export function l2Normalize(x: Float32Array, width: number): Float32Array {
  for (let r = 0; r < x.length / width; r++) {
    const v = x.subarray(r * width, (r + 1) * width);
    let ss = 0;
    for (const a of v) ss += a * a;
    const n = Math.max(Math.sqrt(ss), 1e-12);
    for (let i = 0; i < width; i++) v[i] /= n;
  }
  return x;
}
