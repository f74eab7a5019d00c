import { softmaxRowsF32 } from '../kernels/softmax.js';
import { ShapeError } from '../errors.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { uninitializedF32 } from './alloc.js';
import { defineKernel } from './define.js';
import { argsObject, tensorArg } from './validate.js';
import { rankOf } from './weight.js';

export interface SoftmaxArgs {
  /** [..., n]: softmax over the last dim. */
  x: TensorLike<Float32Array>;
}

export const softmax = defineKernel<SoftmaxArgs, Tensor>({
  name: 'softmax',
  prepare(args) {
    const a = argsObject('softmax', args);
    const rank = rankOf(a.x);
    if (rank < 1) throw new ShapeError('softmax: x must have rank >= 1 ([..., n])');
    const x = tensorArg('softmax', 'x', a.x, Float32Array, rank);
    const n = x.dims[rank - 1];
    const rows = n === 0 ? 0 : x.data.length / n;
    const out = new Tensor(uninitializedF32(x.data.length), x.dims);
    return {
      native: { x: x.data, out: out.data, rows, n },
      ts: () => softmaxRowsF32(x.data, rows, n, out.data),
      result: out,
    };
  },
});
