// The llama.cpp side of the peer bench, through node-llama-cpp (an optional devDependency: every
// entry point imports it dynamically and says why when it cannot). Token ids go in directly, no
// text. As a child process (spawned by run.ts) it measures one plan the way bench/models/measure.ts
// measures attnscan, and prints `RESULT <json>` in the same MeasureResult shape.
// Load time = getLlama (binary) + loadModel (mmap of the GGUF); the context (KV cache / SSM state)
// is created after it, as attnscan allocates its cache on the first generate.

import type { MeasureResult } from '../models/measure.js';
import { benchPrompt, childMain, now, statusMiB } from '../lib/util.js';

export { benchPrompt };

type NodeLlamaCpp = typeof import('node-llama-cpp');

export async function importPeer(): Promise<{ mod?: NodeLlamaCpp; reason?: string }> {
  try {
    return { mod: await import('node-llama-cpp') };
  } catch (e) {
    return { reason: `node-llama-cpp is not installed or does not load (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
  }
}

export interface PeerPlan {
  gguf: string;
  kind: 'llama' | 'mamba';
  threads: number;
  vocab: number;
  prefillTokens?: number;
  decodeTokens?: number;
  decodePositions?: number[];
}

async function open(gguf: string, threads: number, contextSize: number) {
  const { mod, reason } = await importPeer();
  if (!mod) throw new Error(reason);
  const t0 = now();
  const llama = await mod.getLlama({ gpu: false, build: 'never', logLevel: mod.LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: gguf, gpuLayers: 0 });
  const loadS = now() - t0;
  const context = await model.createContext({ contextSize, batchSize: 512, threads, sequences: 1 });
  return { llama, model, context, sequence: context.getSequence(), loadS };
}

/** Next-token log-probabilities (full vocabulary) after `prompt`, from llama.cpp's softmax. */
export async function peerNextLogProbs(gguf: string, prompt: number[], vocab: number, threads: number): Promise<Float64Array> {
  const p = await open(gguf, threads, Math.max(256, Math.ceil((prompt.length + 8) / 256) * 256));
  try {
    const it = p.sequence.evaluateWithMetadata(prompt as never[], { probabilities: true }, { temperature: 0, yieldEogToken: true });
    const first = await it.next();
    await it.return();
    if (first.done) throw new Error('llama.cpp produced no next token');
    const res = new Float64Array(vocab).fill(-Infinity);
    for (const [tok, pr] of first.value.probabilities as Map<number, number>) res[tok] = Math.log(pr);
    return res;
  } finally {
    await p.context.dispose();
    await p.model.dispose();
    await p.llama.dispose();
  }
}

export async function measurePeer(plan: PeerPlan): Promise<MeasureResult> {
  const decode = plan.decodeTokens ?? 128;
  const longest = Math.max(plan.prefillTokens ?? 0, ...(plan.decodePositions ?? [0])) + decode + 8;
  const p = await open(plan.gguf, plan.threads, Math.ceil(longest / 256) * 256);
  const out: MeasureResult = { loadS: p.loadS, rssAfterLoadMiB: statusMiB('VmRSS'), peakRssMiB: 0, decode: [] };
  // Greedy generation of `n` tokens after a prompt: the first token measures prefill, the rest decode.
  const run = async (promptLen: number, n: number) => {
    await p.sequence.clearHistory();
    const t0 = now();
    let first = 0;
    let count = 0;
    for await (const _tok of p.sequence.evaluate(benchPrompt(promptLen, plan.vocab) as never[], { temperature: 0, yieldEogToken: true })) {
      if (count === 0) first = now();
      if (++count >= n + 1) break;
    }
    if (count < n + 1) throw new Error(`llama.cpp stopped after ${count} of ${n + 1} tokens`);
    return { firstS: first - t0, restS: now() - first, count: count - 1 };
  };
  try {
    await run(4, 1);
    if (plan.prefillTokens) {
      // As bench/models/measure.ts: LLaMA decodes after the prefill prompt, Mamba only at decodePositions.
      const r = await run(plan.prefillTokens, plan.kind === 'llama' ? decode : 0);
      out.prefill = { tokens: plan.prefillTokens, seconds: r.firstS, tokensPerS: plan.prefillTokens / r.firstS };
      if (r.count > 0) out.decode!.push({ position: plan.prefillTokens, tokens: r.count, seconds: r.restS, tokensPerS: r.count / r.restS });
    }
    for (const pos of plan.decodePositions ?? []) {
      const r = await run(pos, decode);
      out.decode!.push({ position: pos, tokens: r.count, seconds: r.restS, tokensPerS: r.count / r.restS });
    }
  } finally {
    await p.context.dispose();
    await p.model.dispose();
    await p.llama.dispose();
  }
  out.peakRssMiB = statusMiB('VmHWM');
  return out;
}

childMain<PeerPlan, MeasureResult>(import.meta.url, measurePeer);
