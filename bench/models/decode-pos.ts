// Decode tokens/s after prompts of several lengths on one checkpoint: how much of a step the
// attention over the cache costs as the position grows (the rest of the step does not change).
// npx tsx bench/models/decode-pos.ts <checkpoint dir> [positions=16,512,2048] [tokens=64] [threads] [kv=f16|f32]
import { loadModel } from '../../lib/index.js';
import { benchPrompt } from '../lib/util.js';
import { decodeRate } from './decode-rate.js';

const [dir, positionsArg, tokensArg, threadsArg, kvArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: decode-pos.ts <checkpoint dir> [positions] [tokens] [threads] [kv]');
const positions = (positionsArg ?? '16,512,2048').split(',').map(Number);
const tokens = Number(tokensArg ?? 64);
const kvCache = kvArg === 'f32' ? 'f32' : 'f16';
const model = await loadModel(dir, { backend: 'native', kvCache, ...(threadsArg ? { threads: Number(threadsArg) } : {}) });
await decodeRate(model, benchPrompt(16, model.vocabSize), 8);
for (const p of positions) {
  const { tokPerS, cpuMsPerToken } = await decodeRate(model, benchPrompt(p, model.vocabSize), tokens);
  console.log(`position ${p}: ${tokPerS.toFixed(1)} tok/s, ${(1000 / tokPerS).toFixed(2)} ms/token, cpu ${cpuMsPerToken.toFixed(2)} ms/token (kv ${kvCache})`);
}
await model.dispose();
