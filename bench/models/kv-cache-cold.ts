// The decode attention of a LLaMA-768x12 step with the cache cold, f32 vs f16 K/V: per round, one
// raggedAttention call per layer (12 heads x 64, seqK keys, 1 thread), each after streaming a
// 256 MiB buffer so the layer's K/V come from DRAM as they do after the weights' GEMVs; the
// sides alternate which goes first. Prints the medians and minimums of a round's attention time.
// npx tsx bench/models/kv-cache-cold.ts [seqK=2048] [rounds=16]
import { kernels, setThreads, Tensor } from '../../lib/index.js';
import { encodeF16 } from '../../lib/kernels/half.js';
import { median, now } from '../lib/util.js';
import { Rng } from '../../test/helpers/rng.js';

const seqK = Number(process.argv[2] ?? 2048);
const rounds = Number(process.argv[3] ?? 16);
const [heads, headDim, layers] = [12, 64, 12];
setThreads(1);
const rng = new Rng(1);
const q = new Tensor(rng.f32(heads * headDim), [1, 1, heads, headDim]);
const dims = [1, seqK, heads, headDim];
const half = (t: Tensor) => {
  const data = new Uint16Array(t.data.length);
  encodeF16(t.data, data);
  return { data, dims, dtype: 'f16' as const };
};
const rows = Array.from({ length: layers }, () => {
  const k = new Tensor(rng.f32(seqK * heads * headDim), dims);
  const v = new Tensor(rng.f32(seqK * heads * headDim), dims);
  return { f32: { k, v }, f16: { k: half(k), v: half(v) } };
});
const flush = new Float32Array(64 * 2 ** 20);
let sink = 0;
const ms = { f32: [] as number[], f16: [] as number[] };
for (let r = 0; r < rounds; r++) {
  for (const kv of r % 2 ? (['f16', 'f32'] as const) : (['f32', 'f16'] as const)) {
    let total = 0;
    for (const row of rows) {
      for (let i = 0; i < flush.length; i += 16) sink += flush[i];
      const t0 = now();
      kernels.raggedAttention({ q, rows: [row[kv]] });
      total += now() - t0;
    }
    ms[kv].push(total * 1000);
  }
}
for (const kv of ['f32', 'f16'] as const) {
  console.log(`cold decode attention @${seqK}, ${layers} layers, ${kv} K/V: median ${median(ms[kv]).toFixed(2)} ms, min ${Math.min(...ms[kv]).toFixed(2)} ms${sink < 0 ? ' ' : ''}`);
}
