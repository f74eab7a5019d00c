// The generation loop shared by every architecture: prefill (or encode) once, then one token per
// step on the carried state (KV cache, cross K/V, conv/SSM state), stopping on EOS, a stop id or
// maxNewTokens. The state is dropped as soon as the loop ends, aborted or not.
import { ValueRangeError } from '../errors.js';
import type { Net, Run } from '../models/net.js';
import { Tensor } from '../tensor.js';
import { checkSamplingOptions, nextToken, SeededRandom, type SamplingOptions } from './sampling.js';

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens?: number;
  /** EOS id(s); absent: the model's (generation_config.json / config.json); null or []: none. */
  eosTokenId?: number | number[] | null;
  stopTokenIds?: number[];
}

export function generateTokens(
  net: Net,
  prompt: Int32Array,
  o: GenerateOptions,
  defaults: { eosTokenIds: number[] },
  run: Run,
  emit: (token: number, logits: Float32Array) => void,
): void {
  if (!net.begin || !net.next) throw new ValueRangeError('generate: this model has no language-model head to generate with');
  if (prompt.length === 0) throw new ValueRangeError('generate: the prompt is empty');
  checkSamplingOptions(o);
  const maxNew = o.maxNewTokens ?? 20;
  if (!Number.isInteger(maxNew) || maxNew < 0) throw new ValueRangeError(`generate: maxNewTokens must be a non-negative integer, got ${maxNew}`);
  const eos = o.eosTokenId === undefined ? defaults.eosTokenIds : o.eosTokenId === null ? [] : [o.eosTokenId].flat();
  const stop = new Set([...eos, ...(o.stopTokenIds ?? [])]);
  for (let i = 0; i < prompt.length; i++) {
    if (prompt[i] < 0 || prompt[i] >= net.vocabSize) throw new ValueRangeError(`generate: prompt[${i}] = ${prompt[i]} is outside the vocabulary [0, ${net.vocabSize})`);
  }
  if (maxNew === 0) return;
  const rng = o.temperature ? new SeededRandom(o.seed ?? (Math.random() * 2 ** 32) >>> 0) : undefined;
  const history = net.decoderStartTokenId !== undefined ? [net.decoderStartTokenId] : Array.from(prompt);
  let { state, logits } = net.begin(new Tensor(prompt, [1, prompt.length]), run);
  try {
    for (let i = 0; ; i++) {
      const token = nextToken(logits, history, o, rng);
      emit(token, logits);
      history.push(token);
      if (stop.has(token) || i + 1 >= maxNew) return;
      run.checkAbort();
      logits = net.next(state, token, run);
    }
  } finally {
    state.layers.length = 0;
    state.memory = undefined;
  }
}
