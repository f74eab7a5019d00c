// A generate call's tokens as an array (EOS off unless the options say otherwise).
import type { Model } from '../../lib/models/model.js';

export async function collect(m: Model, prompt: number[], o: object): Promise<number[]> {
  const out: number[] = [];
  for await (const t of m.generate(prompt, { eosTokenId: null, ...o })) out.push(t);
  return out;
}

/** Waits (up to 5 s) until the model's scheduler holds nothing: a stream left early is reaped at the worker's next step. */
export async function drained(m: Model): Promise<void> {
  for (let i = 0; i < 500 && (m.stats().activeRequests > 0 || m.stats().queuedRequests > 0); i++) await new Promise((r) => setTimeout(r, 10));
}
