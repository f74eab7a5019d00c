// K/V cache append (twin of native/kernels/kvcache): a step's K and V rows (f32) written into the
// cache at a token offset, kept as f32 or rounded to f16 (round to nearest even; NaN stays NaN).
//   k, v [batch, seq, row] f32; kCache, vCache [batch, capacity, row] f32 or f16 bits;
//   kCache[b, at + s, :] = k[b, s, :] (likewise v), at + seq <= capacity.
import { encodeF16 } from './half.js';
import type { KvData } from './attention.js';

export interface KvAppendParams {
  k: Float32Array;
  v: Float32Array;
  kCache: KvData;
  vCache: KvData;
  batch: number;
  seq: number;
  capacity: number;
  at: number;
  row: number;
}

function store(src: Float32Array, dst: KvData, at: number): void {
  if (dst instanceof Uint16Array) encodeF16(src, dst, at);
  else dst.set(src, at);
}

export function kvAppendF32(p: KvAppendParams): void {
  const n = p.seq * p.row;
  for (let b = 0; b < p.batch; b++) {
    const dst = (b * p.capacity + p.at) * p.row;
    store(p.k.subarray(b * n, (b + 1) * n), p.kCache, dst);
    store(p.v.subarray(b * n, (b + 1) * n), p.vCache, dst);
  }
}
