// Next-token choice from one row of logits: HF's processor order (repetition penalty, then the
// temperature, top-k, top-p and min-p warpers), then greedy argmax or a seeded draw.
import { ValueRangeError } from '../errors.js';

export interface SamplingOptions {
  /** 0 or absent: greedy. */
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  /** > 1 discourages tokens already in the sequence (CTRL; HF RepetitionPenaltyLogitsProcessor). */
  repetitionPenalty?: number;
  seed?: number;
}

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export class SeededRandom {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

export function checkSamplingOptions(o: SamplingOptions): void {
  const range = (name: string, v: number | undefined, ok: (v: number) => boolean, what: string) => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))) {
      throw new ValueRangeError(`generate: ${name} must be ${what}, got ${String(v)}`);
    }
  };
  range('temperature', o.temperature, (v) => v >= 0, '>= 0');
  range('topK', o.topK, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
  range('topP', o.topP, (v) => v > 0 && v <= 1, 'in (0, 1]');
  range('minP', o.minP, (v) => v >= 0 && v <= 1, 'in [0, 1]');
  range('repetitionPenalty', o.repetitionPenalty, (v) => v > 0, '> 0');
  range('seed', o.seed, (v) => Number.isInteger(v), 'an integer');
}

/** In place: each token already in `history` has its score divided (positive) or multiplied (negative) by penalty. */
export function applyRepetitionPenalty(scores: Float64Array, history: Iterable<number>, penalty: number): void {
  if (penalty === 1) return;
  const seen = new Set(history);
  for (const id of seen) {
    if (id < 0 || id >= scores.length) continue;
    scores[id] = scores[id] < 0 ? scores[id] * penalty : scores[id] / penalty;
  }
}

export function argmax(scores: ArrayLike<number>): number {
  // The best score in a local: re-reading scores[best] each step tripled the time of a 32k row.
  let best = 0;
  let top = scores[0];
  for (let i = 1; i < scores.length; i++) {
    const s = scores[i];
    if (s > top) {
      top = s;
      best = i;
    }
  }
  return best;
}

/** Temperature, top-k, top-p and min-p over scores (in place: filtered entries become -Infinity). */
export function warp(scores: Float64Array, o: SamplingOptions): void {
  const t = o.temperature ?? 1;
  if (t !== 1) for (let i = 0; i < scores.length; i++) scores[i] /= t;
  const order = () => Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]);
  if (o.topK !== undefined && o.topK > 0 && o.topK < scores.length) {
    const kth = order()[o.topK - 1];
    const limit = scores[kth];
    for (let i = 0; i < scores.length; i++) if (scores[i] < limit) scores[i] = -Infinity;
  }
  if ((o.topP !== undefined && o.topP < 1) || (o.minP !== undefined && o.minP > 0)) {
    const probs = softmax(scores);
    if (o.topP !== undefined && o.topP < 1) {
      // HF TopPLogitsWarper: keep the smallest set of most likely tokens whose mass reaches topP (at least one).
      const idx = order();
      let cum = 0;
      const keep = new Uint8Array(scores.length);
      for (const i of idx) {
        keep[i] = 1;
        cum += probs[i];
        if (cum >= o.topP) break;
      }
      for (let i = 0; i < scores.length; i++) if (!keep[i]) scores[i] = -Infinity;
    }
    if (o.minP !== undefined && o.minP > 0) {
      let top = 0;
      for (const p of probs) top = Math.max(top, p);
      for (let i = 0; i < scores.length; i++) if (probs[i] < o.minP * top) scores[i] = -Infinity;
    }
  }
}

export function softmax(scores: Float64Array): Float64Array {
  let max = -Infinity;
  for (const s of scores) max = Math.max(max, s);
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += out[i] = scores[i] === -Infinity ? 0 : Math.exp(scores[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** Chooses the next token from logits given the ids so far. */
export function nextToken(logits: ArrayLike<number>, history: readonly number[], o: SamplingOptions, rng: SeededRandom | undefined): number {
  const greedy = !o.temperature || !rng;
  // Plain greedy reads the row as it is (f32 to f64 is exact, so the argmax is the same) and
  // allocates nothing: a batched step samples every row of a large vocabulary each token.
  if (greedy && (o.repetitionPenalty ?? 1) === 1) return argmax(logits);
  const scores = Float64Array.from(logits);
  applyRepetitionPenalty(scores, history, o.repetitionPenalty ?? 1);
  if (greedy) return argmax(scores);
  warp(scores, o);
  const probs = softmax(scores);
  let u = rng.next();
  for (let i = 0; i < probs.length; i++) {
    u -= probs[i];
    if (u < 0) return i;
  }
  return argmax(probs);
}
