// Position schemes shared by architectures: RoPE inverse frequencies with HF's rope_scaling types,
// positions from an attention mask, and T5's relative position buckets.
import { CheckpointError } from '../../errors.js';
import { Tensor } from '../../tensor.js';

const f = Math.fround;

/** HF's default 1 / theta^(2i / dim), rounded as torch computes it in float32. */
export function ropeInvFreq(theta: number, dim: number): Float32Array {
  const out = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) out[i] = f(1 / f(Math.pow(theta, f((2 * i) / dim))));
  return out;
}

export interface RopeScaling {
  type: 'linear' | 'dynamic' | 'llama3';
  factor: number;
  lowFreqFactor?: number;
  highFreqFactor?: number;
  originalMaxPositionEmbeddings?: number;
}

/** config.rope_scaling (HF: rope_type or the older type key) → RopeScaling; null/default → none. */
export function ropeScalingOf(raw: unknown, where: string): RopeScaling | undefined {
  if (raw === null || raw === undefined) return undefined;
  const s = raw as Record<string, unknown>;
  const type = s.rope_type ?? s.type;
  if (type === 'default') return undefined;
  if ((type !== 'linear' && type !== 'dynamic' && type !== 'llama3') || typeof s.factor !== 'number') {
    throw new CheckpointError(`${where}: unsupported rope_scaling ${JSON.stringify(raw)} (linear, dynamic and llama3 are)`);
  }
  return {
    type,
    factor: s.factor,
    lowFreqFactor: s.low_freq_factor as number | undefined,
    highFreqFactor: s.high_freq_factor as number | undefined,
    originalMaxPositionEmbeddings: s.original_max_position_embeddings as number | undefined,
  };
}

/**
 * Inverse frequencies for a sequence reaching `seqLen` tokens (transformers' modeling_rope_utils):
 * linear divides every frequency by the factor; dynamic (NTK) raises theta once the sequence
 * passes max_position_embeddings; llama3 divides only the low frequencies, blending the middle band.
 */
export function scaledInvFreq(theta: number, dim: number, maxPositions: number, s: RopeScaling | undefined, seqLen: number): Float32Array {
  if (!s) return ropeInvFreq(theta, dim);
  if (s.type === 'linear') return ropeInvFreq(theta, dim).map((x) => x / s.factor);
  if (s.type === 'dynamic') {
    if (seqLen <= maxPositions) return ropeInvFreq(theta, dim);
    const base = theta * Math.pow((s.factor * seqLen) / maxPositions - (s.factor - 1), dim / (dim - 2));
    return ropeInvFreq(base, dim);
  }
  const old = s.originalMaxPositionEmbeddings ?? 8192;
  const lowF = s.lowFreqFactor ?? 1;
  const highF = s.highFreqFactor ?? 4;
  const lowWavelen = old / lowF;
  const highWavelen = old / highF;
  return ropeInvFreq(theta, dim).map((freq) => {
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) return freq;
    if (wavelen > lowWavelen) return freq / s.factor;
    const smooth = (old / wavelen - lowF) / (highF - lowF);
    return (1 - smooth) * (freq / s.factor) + smooth * freq;
  });
}

/**
 * scaledInvFreq of one model, memoised by length bucket: one array for every length with the same
 * frequencies (all of them, except dynamic NTK past maxPositions, where each length has its own),
 * so a decode step reuses them instead of recomputing Math.pow per frequency in every layer, and
 * callers can compare two lengths' frequencies by identity. The arrays are shared: read only.
 */
export function ropeFrequencies(theta: number, dim: number, maxPositions: number, s: RopeScaling | undefined): RopeFrequencies {
  const short = scaledInvFreq(theta, dim, maxPositions, s, maxPositions);
  if (s?.type !== 'dynamic') return Object.assign(() => short, { sameUpTo: Infinity });
  const long = new Map<number, Float32Array>();
  return Object.assign((seqLen: number) => {
    if (seqLen <= maxPositions) return short;
    let f = long.get(seqLen);
    if (!f) {
      if (long.size >= 256) long.clear();
      f = scaledInvFreq(theta, dim, maxPositions, s, seqLen);
      long.set(seqLen, f);
    }
    return f;
  }, { sameUpTo: maxPositions });
}

/** Inverse frequencies for a sequence of a given length; every length <= sameUpTo gets the same array. */
export type RopeFrequencies = ((seqLen: number) => Float32Array) & { sameUpTo: number };

/** Positions 0..seq-1 after `past` cached tokens, for every row: [batch, seq]. */
export function arangePositions(batch: number, seq: number, past = 0): Tensor<Int32Array> {
  const out = new Int32Array(batch * seq);
  for (let b = 0; b < batch; b++) for (let s = 0; s < seq; s++) out[b * seq + s] = past + s;
  return new Tensor(out, [batch, seq]);
}

/** HF generate's positions: cumsum(mask) - 1, pads set to 1 (so left padding works). */
export function positionsFromMask(mask: Uint8Array, batch: number, seq: number): Tensor<Int32Array> {
  const out = new Int32Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    let c = 0;
    for (let s = 0; s < seq; s++) {
      const m = mask[b * seq + s];
      c += m;
      out[b * seq + s] = m ? c - 1 : 1;
    }
  }
  return new Tensor(out, [batch, seq]);
}

/** T5's bucket of a relative position (key - query), emulating torch's float32 log and truncation. */
export function relativeBucket(rel: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  let buckets = 0;
  let n = numBuckets;
  let r: number;
  if (bidirectional) {
    n = Math.floor(n / 2);
    if (rel > 0) buckets += n;
    r = Math.abs(rel);
  } else {
    r = -Math.min(rel, 0);
  }
  const maxExact = Math.floor(n / 2);
  if (r < maxExact) return buckets + r;
  const scale = f(Math.log(maxDistance / maxExact));
  const large = maxExact + Math.trunc(f(f(f(Math.log(f(r / maxExact))) / scale) * (n - maxExact)));
  return buckets + Math.min(large, n - 1);
}

/**
 * T5 attention bias [heads, qLen, kLen] for queries at qStart.. and keys at 0..kLen-1, read from
 * relative_attention_bias.weight [numBuckets, heads] (f32).
 */
export function relativePositionBias(
  table: Float32Array,
  heads: number,
  o: { bidirectional: boolean; numBuckets: number; maxDistance: number },
  qStart: number,
  qLen: number,
  kLen: number,
): Float32Array {
  const out = new Float32Array(heads * qLen * kLen);
  for (let i = 0; i < qLen; i++) {
    for (let j = 0; j < kLen; j++) {
      const bucket = relativeBucket(j - (qStart + i), o.bidirectional, o.numBuckets, o.maxDistance);
      for (let h = 0; h < heads; h++) out[(h * qLen + i) * kLen + j] = table[bucket * heads + h];
    }
  }
  return out;
}
