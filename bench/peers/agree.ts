// The gate before any timing: attnscan and llama.cpp must compute the same function. Both take
// the same token ids; we compare the next-token log-probabilities over the whole vocabulary
// (llama.cpp's API gives the softmax, not raw logits; log-softmax only removes the per-row
// constant, so equal logits <=> equal log-probs up to rounding). llama.cpp keeps its KV cache in
// f16 and, with f16 weights, rounds activations to f16 before each matmul, so the tolerance is an
// f16-level one whatever the weight dtype. With attnscan's f16 KV cache (what bench:peers times
// against llama.cpp) the check runs the generation path: a prefill of all but the last prompt token
// into the f16 cache, then one decode step over it, so the kernels that are timed are the ones checked.
import { loadModel } from '../../lib/index.js';
import type { KvDType } from '../../lib/generation/kv-cache.js';
import { loadLocal } from '../../lib/models/local.js';
import { Tensor } from '../../lib/tensor.js';
import { benchPrompt, peerNextLogProbs } from './llamacpp.js';

/** Max |Δ log p| accepted, relative to the spread of the logits (f16 keeps 11 significant bits, a
 *  relative 1e-3). Measured at 64 tokens: the correct conversion differs by 2e-4 (f32) and 4e-4
 *  (f16) of the spread, q/k rows in the wrong RoPE layout by 9e-2; on the tiny test LLaMA
 *  (near-uniform attention) 2e-4 against 7e-3. */
export const AGREEMENT_TOLERANCE = 2e-3;

export interface Agreement {
  promptTokens: number;
  maxAbsDiff: number;
  /** Spread of attnscan's logits (max - min): what the difference is small against. */
  logitRange: number;
  /** maxAbsDiff / logitRange, compared with AGREEMENT_TOLERANCE. */
  relative: number;
  top1: { attnscan: number; peer: number };
  ok: boolean;
}

function logSoftmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const x of row) max = Math.max(max, x);
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(row, (x) => x - lse);
}

const argmax = (a: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
};

/** The next-token logits after the prompt: one forward pass, or (kvCache given) prefill + one cached decode step. */
export async function attnscanNextLogits(dir: string, prompt: number[], threads: number, kvCache?: KvDType): Promise<Float32Array> {
  if (kvCache) {
    const m = await loadLocal(dir, { backend: 'native', threads, kvCache });
    try {
      const run = { ops: m.ops, checkAbort() {}, kvCache };
      const ids = Int32Array.from(prompt);
      const { state } = m.net.begin!(new Tensor(ids.subarray(0, ids.length - 1), [1, ids.length - 1]), undefined, run, ids.length);
      return m.net.next!(state, ids.subarray(ids.length - 1), run).slice();
    } finally {
      m.checkpoint.close();
    }
  }
  const model = await loadModel(dir, { backend: 'native', threads });
  try {
    const out = await model.forward({ inputIds: [prompt] });
    const logits = out.logits;
    if (!logits) throw new Error('attnscan forward returned no logits');
    const vocab = logits.dims[logits.dims.length - 1];
    return logits.data.slice(logits.data.length - vocab);
  } finally {
    await model.dispose();
  }
}

export async function checkAgreement(dir: string, gguf: string, vocab: number, promptTokens: number, threads: number, kvCache?: KvDType): Promise<Agreement> {
  const prompt = benchPrompt(promptTokens, vocab);
  const mine = await attnscanNextLogits(dir, prompt, threads, kvCache);
  const peer = await peerNextLogProbs(gguf, prompt, vocab, threads);
  if (mine.length !== peer.length) throw new Error(`vocabulary sizes differ: attnscan ${mine.length}, llama.cpp ${peer.length}`);
  const a = logSoftmax(mine);
  let maxAbsDiff = 0;
  for (let i = 0; i < a.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i] - peer[i]));
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of mine) (lo = Math.min(lo, x)), (hi = Math.max(hi, x));
  const relative = maxAbsDiff / (hi - lo);
  return { promptTokens, maxAbsDiff, logitRange: hi - lo, relative, top1: { attnscan: argmax(a), peer: argmax(peer) }, ok: relative <= AGREEMENT_TOLERANCE };
}
