// One batch-1 greedy generation timed from its first token on: decode tokens/s and the process
// CPU time per decoded token (only the generating worker is busy, so a loaded machine disturbs
// it less than wall time). Shared by the decode loop and the paired A/B scripts.
import { now } from '../lib/util.js';

export interface Generator {
  generate(ids: number[], opts: { maxNewTokens: number; eosTokenId: null }): AsyncIterable<number>;
}

export async function decodeRate(model: Generator, prompt: number[], tokens: number): Promise<{ tokPerS: number; cpuMsPerToken: number }> {
  let first = 0;
  let count = 0;
  let cpu0 = process.cpuUsage();
  for await (const _ of model.generate(prompt, { maxNewTokens: tokens + 1, eosTokenId: null })) {
    if (count++ === 0) {
      first = now();
      cpu0 = process.cpuUsage();
    }
  }
  const cpu = process.cpuUsage(cpu0);
  return { tokPerS: (count - 1) / (now() - first), cpuMsPerToken: (cpu.user + cpu.system) / 1e3 / (count - 1) };
}
