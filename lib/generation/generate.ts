// The generation loop shared by every architecture: prefill (or encode) once, then one token per
// step on the carried state (KV cache, cross K/V, conv/SSM state), stopping on EOS, a stop id or
// maxNewTokens. Several prompts run as one batch: left padded for decoders (positions
// cumsum(mask) - 1), right padded for encoder-decoders' encoders;
// a finished sequence is fed the pad token until all are done. The state is dropped as soon as
// the loop ends, aborted or not.
import { ShapeError, ValueRangeError } from '../errors.js';
import type { Net, Run } from '../models/net.js';
import { Tensor } from '../tensor.js';
import { checkSamplingOptions, nextToken, SeededRandom, type SamplingOptions } from './sampling.js';

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens?: number;
  /** EOS id(s); absent: the model's (generation_config.json / config.json); null or []: none. */
  eosTokenId?: number | number[] | null;
  stopTokenIds?: number[];
}

export interface GenerationDefaults {
  eosTokenIds: number[];
  padTokenId?: number;
}

/** One step: the new token of each sequence (null once it has stopped) and the logits [batch · vocab]. */
export type BatchEmit = (tokens: (number | null)[], logits: Float32Array) => void;

/** A generation call's checked settings: what every loop (alone or scheduled) samples and stops with. */
export interface Plan {
  maxNew: number;
  stop: Set<number>;
  /** The id fed to a finished sequence while others go on. */
  pad: number;
  /** One generator per call, drawn from in row order. */
  rng: SeededRandom | undefined;
  /** Ids each sequence's repetition penalty sees: the prompt (decoders) or the decoder start. */
  histories: number[][];
}

/** Validates the prompts and options (throws before any compute). */
export function planGeneration(net: Net, prompts: ArrayLike<number>[], o: GenerateOptions, defaults: GenerationDefaults): Plan {
  if (!net.begin || !net.next) throw new ValueRangeError('generate: this model has no language-model head to generate with');
  if (prompts.length === 0) throw new ShapeError('generate: no prompts');
  checkSamplingOptions(o);
  const maxNew = o.maxNewTokens ?? 20;
  if (!Number.isInteger(maxNew) || maxNew < 0) throw new ValueRangeError(`generate: maxNewTokens must be a non-negative integer, got ${maxNew}`);
  const eos = o.eosTokenId === undefined ? defaults.eosTokenIds : o.eosTokenId === null ? [] : [o.eosTokenId].flat();
  const stop = new Set([...eos, ...(o.stopTokenIds ?? [])]);
  const vocab = net.vocabSize;
  prompts.forEach((p, b) => {
    if (p.length === 0) throw new ShapeError(`generate: prompt ${b} is empty`);
    for (let i = 0; i < p.length; i++) {
      if (!Number.isInteger(p[i]) || p[i] < 0 || p[i] >= vocab) {
        throw new ValueRangeError(`generate: prompt[${prompts.length > 1 ? `${b}][` : ''}${i}] = ${p[i]} is outside the vocabulary [0, ${vocab})`);
      }
    }
  });
  const pad = [defaults.padTokenId, ...eos, 0].find((x) => x !== undefined && x >= 0 && x < vocab)!;
  const rng = o.temperature ? new SeededRandom(o.seed ?? (Math.random() * 2 ** 32) >>> 0) : undefined;
  const histories = prompts.map((p) => (net.decoderStartTokenId !== undefined ? [net.decoderStartTokenId] : Array.from(p)));
  return { maxNew, stop, pad, rng, histories };
}

/** Samples row b's next token from its logits row, records it, and reports whether it stops the row. */
export function sampleRow(plan: Plan, o: SamplingOptions, b: number, logits: Float32Array): { token: number; stopped: boolean } {
  const token = nextToken(logits, plan.histories[b], o, plan.rng);
  plan.histories[b].push(token);
  return { token, stopped: plan.stop.has(token) };
}

export function generateBatch(net: Net, prompts: ArrayLike<number>[], o: GenerateOptions, defaults: GenerationDefaults, run: Run, emit: BatchEmit): void {
  const plan = planGeneration(net, prompts, o, defaults);
  const { maxNew, pad } = plan;
  if (maxNew === 0) return;
  const vocab = net.vocabSize;
  const batch = prompts.length;
  const len = Math.max(...prompts.map((p) => p.length));
  const ids = new Int32Array(batch * len).fill(pad);
  const mask = new Uint8Array(batch * len);
  // Decoders continue every row from its last column, so they pad on the left; encoders (and
  // BART's learned positions) expect real tokens first, so encoder-decoders pad on the right.
  const left = net.kind === 'decoder';
  prompts.forEach((p, b) => {
    const start = b * len + (left ? len - p.length : 0);
    ids.set(p as ArrayLike<number>, start);
    mask.fill(1, start, start + p.length);
  });
  const done = new Array<boolean>(batch).fill(false);
  const padded = mask.every((m) => m === 1) ? undefined : mask;
  let { state, logits } = net.begin!(new Tensor(ids, [batch, len]), padded, run);
  try {
    for (let step = 0; ; step++) {
      const tokens = plan.histories.map((_, b) => {
        if (done[b]) return null;
        const { token, stopped } = sampleRow(plan, o, b, logits.subarray(b * vocab, (b + 1) * vocab));
        done[b] = stopped;
        return token;
      });
      emit(tokens, logits);
      if (done.every(Boolean) || step + 1 >= maxNew) return;
      run.checkAbort();
      logits = net.next!(state, Int32Array.from(tokens, (t) => t ?? pad), run);
    }
  } finally {
    state.layers.length = 0;
    state.memory = undefined;
    state.mask = undefined;
  }
}

/** One prompt: emits each new token with the logits that chose it. */
export function generateTokens(
  net: Net,
  prompt: Int32Array,
  o: GenerateOptions,
  defaults: GenerationDefaults,
  run: Run,
  emit: (token: number, logits: Float32Array) => void,
): void {
  if (prompt.length === 0) throw new ShapeError('generate: the prompt is empty');
  generateBatch(net, [prompt], o, defaults, run, (tokens, logits) => emit(tokens[0]!, logits));
}
