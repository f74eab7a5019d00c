import { kvAppendF32 } from '../kernels/kvcache.js';
import { ShapeError, ValueRangeError } from '../errors.js';
import type { TensorLike } from '../tensor.js';
import { kvPair, type KvTensor } from './attention.js';
import { defineKernel } from './define.js';
import { argsObject, expectDims, intOption, sharesMemory, tensorArg } from './validate.js';

export interface KvAppendArgs {
  /** [batch, seq, kvHeads, headDim] f32: the step's keys. */
  k: TensorLike<Float32Array>;
  /** [batch, seq, kvHeads, headDim] f32: the step's values. */
  v: TensorLike<Float32Array>;
  /** [batch, capacity, kvHeads, headDim], f32 or f16 (see KvTensor); rows [at, at + seq) are written. */
  kCache: KvTensor;
  /** Like kCache, the same dtype and dims. */
  vCache: KvTensor;
  /** The first token row written (default 0); at + seq <= capacity. */
  at?: number;
}

const NAME = 'kvAppend';

export const kvAppend = defineKernel<KvAppendArgs, { k: KvTensor; v: KvTensor }>({
  name: NAME,
  prepare(args) {
    const a = argsObject(NAME, args);
    const k = tensorArg(NAME, 'k', a.k, Float32Array, 4);
    const v = tensorArg(NAME, 'v', a.v, Float32Array, 4);
    expectDims(NAME, 'v', v.dims, k.dims);
    const [batch, seq, kvHeads, headDim] = k.dims;
    const caches = kvPair(NAME, 'kCache', a.kCache, 'vCache', a.vCache);
    const capacity = caches.k.dims[1];
    expectDims(NAME, 'kCache', caches.k.dims, [batch, undefined, kvHeads, headDim]);
    expectDims(NAME, 'vCache', caches.v.dims, caches.k.dims);
    if (seq > capacity) throw new ShapeError(`${NAME}: ${seq} new rows do not fit a cache of capacity ${capacity}`);
    const at = intOption(NAME, 'at', a.at, 0, 0, capacity - seq);
    const kc = caches.k.data;
    const vc = caches.v.data;
    const views = { kCache: kc, vCache: vc, k: k.data, v: v.data };
    for (const [x, y] of [['kCache', 'vCache'], ['kCache', 'k'], ['kCache', 'v'], ['vCache', 'k'], ['vCache', 'v']] as const) {
      if (sharesMemory(views[x], views[y])) throw new ValueRangeError(`${NAME}: ${x} shares memory with ${y}`);
    }
    const row = kvHeads * headDim;
    return {
      native: { k: k.data, v: v.data, kCache: kc, vCache: vc, kvDtype: caches.dtype, batch, seq, capacity, row, at },
      ts: () => kvAppendF32({ k: k.data, v: v.data, kCache: kc, vCache: vc, batch, seq, capacity, at, row }),
      result: { k: a.kCache as KvTensor, v: a.vCache as KvTensor },
    };
  },
  intoCaller(args, written) {
    (args.kCache.data as Uint16Array).set(written.k.data as Uint16Array);
    (args.vCache.data as Uint16Array).set(written.v.data as Uint16Array);
    return { k: args.kCache, v: args.vCache };
  },
});
