// One benchmark configuration in its own process (spawned by run.ts), so peak RSS and thread
// pools of different configurations never mix. Loads the checkpoint as a user would (loadModel),
// runs the workloads the plan names, and prints one line `RESULT <json>` on stdout.

import { loadModel, type Model } from '../../lib/index.js';
import { benchPrompt, childMain, now, statusMiB } from '../lib/util.js';

export interface MeasurePlan {
  dir: string;
  kind: 'llama' | 'mamba' | 'bert';
  backend: 'native' | 'ts';
  threads?: number;
  /** Decoder self K/V cache storage (loadModel's kvCache; default: the checkpoint's). */
  kvCache?: 'f32' | 'f16';
  /** Causal LMs: prompt length for prefill, then decode tokens after it (greedy, KV cache / state). */
  prefillTokens?: number;
  decodeTokens?: number;
  /** Mamba: decode `decodeTokens` after prompts of these lengths (constant work per token). */
  decodePositions?: number[];
  /** Causal LMs: prefill + decode runs after the warm-up (median reported, every run kept). Default 1. */
  runs?: number;
  /** BERT: batch x seq, repeated `repeats` times (median). */
  batch?: number;
  seq?: number;
  repeats?: number;
}

export interface MeasureResult {
  loadS: number;
  rssAfterLoadMiB: number;
  peakRssMiB: number;
  /** The K/V cache storage the model used. */
  kvCache?: string;
  prefill?: { tokens: number; seconds: number; tokensPerS: number };
  /** tokensPerS is the median of `runs` (each run's rate in runsTokensPerS). */
  decode?: { position: number; tokens: number; seconds: number; tokensPerS: number; runsTokensPerS?: number[] }[];
  encoder?: { batch: number; seq: number; repeats: number; medianS: number; sequencesPerS: number };
}

/** Times the first token (prefill + one step) and the rest (decode) of one greedy generate call. */
async function generateTimed(model: Model, promptLen: number, decode: number): Promise<{ firstS: number; restS: number; count: number }> {
  const t0 = now();
  let first = 0;
  let count = 0;
  for await (const _tok of model.generate(benchPrompt(promptLen, model.vocabSize), { maxNewTokens: decode + 1, eosTokenId: null })) {
    if (count === 0) first = now();
    count++;
  }
  return { firstS: first - t0, restS: now() - first, count: count - 1 };
}

export async function measure(plan: MeasurePlan): Promise<MeasureResult> {
  const t0 = now();
  const model = await loadModel(plan.dir, { backend: plan.backend, ...(plan.threads ? { threads: plan.threads } : {}), ...(plan.kvCache ? { kvCache: plan.kvCache } : {}) });
  const out: MeasureResult = { loadS: now() - t0, rssAfterLoadMiB: statusMiB('VmRSS'), peakRssMiB: 0, kvCache: model.kvCache };
  try {
    if (plan.kind === 'bert') {
      const batch = plan.batch ?? 8;
      const seq = plan.seq ?? 128;
      const data = new Int32Array(batch * seq);
      for (let i = 0; i < data.length; i++) data[i] = 3 + ((i * 7919) % (model.vocabSize - 3));
      const inputs = { inputIds: { data, dims: [batch, seq] }, attentionMask: { data: new Uint8Array(batch * seq).fill(1), dims: [batch, seq] } };
      await model.forward({ inputIds: { data: data.subarray(0, seq), dims: [1, seq] } });
      const times: number[] = [];
      for (let r = 0; r < (plan.repeats ?? 3); r++) {
        const s = now();
        await model.forward(inputs);
        times.push(now() - s);
      }
      times.sort((a, b) => a - b);
      const medianS = times[times.length >> 1];
      out.encoder = { batch, seq, repeats: times.length, medianS, sequencesPerS: batch / medianS };
    } else {
      // Warm-up: worker JIT, thread pool, first-touch of the weights. The decode path's JS is
      // optimised only after some steps: in one process, the first timed 128-token run after a
      // short warm-up was 1.1-1.4x slower than the runs after it.
      await generateTimed(model, 16, 32);
      const decode = plan.decodeTokens ?? 128;
      out.decode = [];
      if (plan.prefillTokens) {
        // One run is one sample of a machine whose speed drifts: the median of several, each kept.
        const runs: Awaited<ReturnType<typeof generateTimed>>[] = [];
        for (let i = 0; i < Math.max(1, plan.runs ?? 1); i++) runs.push(await generateTimed(model, plan.prefillTokens, plan.kind === 'llama' ? decode : 0));
        const mid = <T>(xs: T[], key: (x: T) => number) => [...xs].sort((a, b) => key(a) - key(b))[xs.length >> 1];
        const r = mid(runs, (x) => x.firstS);
        out.prefill = { tokens: plan.prefillTokens, seconds: r.firstS, tokensPerS: plan.prefillTokens / r.firstS };
        if (r.count > 0) {
          const d = mid(runs, (x) => x.count / x.restS);
          out.decode.push({ position: plan.prefillTokens, tokens: d.count, seconds: d.restS, tokensPerS: d.count / d.restS, runsTokensPerS: runs.map((x) => x.count / x.restS) });
        }
      }
      for (const pos of plan.decodePositions ?? []) {
        const r = await generateTimed(model, pos, decode);
        out.decode.push({ position: pos, tokens: r.count, seconds: r.restS, tokensPerS: r.count / r.restS });
      }
    }
  } finally {
    await model.dispose();
  }
  out.peakRssMiB = statusMiB('VmHWM');
  return out;
}

childMain<MeasurePlan, MeasureResult>(import.meta.url, measure);
