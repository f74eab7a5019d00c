// A generate call's tokens as an array (EOS off unless the options say otherwise).
import type { Model } from '../../lib/models/model.js';

export async function collect(m: Model, prompt: number[], o: object): Promise<number[]> {
  const out: number[] = [];
  for await (const t of m.generate(prompt, { eosTokenId: null, ...o })) out.push(t);
  return out;
}
