import { type ConvActivation, convCausalF32, convStepF32 } from '../kernels/conv.js';
import { ShapeError } from '../errors.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { argsObject, enumOption, expectDims, optionalTensorArg, tensorArg } from './validate.js';
import { defineKernel } from './define.js';

export interface CausalConv1dArgs {
  /** [batch, seqLen, dim] */
  x: TensorLike<Float32Array>;
  /** [dim, width]; tap width-1 multiplies the current token (HF conv1d.weight [dim, 1, width]) */
  weight: TensorLike<Float32Array>;
  /** [dim] */
  bias?: TensorLike<Float32Array> | null;
  /** [batch, dim, width-1]: the inputs before x, oldest first (zeros when absent) */
  state?: TensorLike<Float32Array> | null;
  /** 'silu' (Mamba) or 'none' (default) */
  activation?: ConvActivation;
}

export interface CausalConv1dResult {
  /** [batch, seqLen, dim] */
  y: Tensor;
  /** [batch, dim, width-1]: the last width-1 inputs, oldest first */
  state: Tensor;
}

const NAME = 'causalConv1d';

export const causalConv1d = defineKernel<CausalConv1dArgs, CausalConv1dResult>({
  name: NAME,
  prepare(args) {
    const a = argsObject(NAME, args);
    const x = tensorArg(NAME, 'x', a.x, Float32Array, 3);
    const [batch, seqLen, dim] = x.dims;
    const weight = tensorArg(NAME, 'weight', a.weight, Float32Array, 2);
    expectDims(NAME, 'weight', weight.dims, [dim, undefined]);
    const width = weight.dims[1];
    if (width < 1) throw new ShapeError(`${NAME}: weight width must be at least 1, got dims [${weight.dims.join(', ')}]`);
    const bias = optionalTensorArg(NAME, 'bias', a.bias, Float32Array, 1);
    if (bias) expectDims(NAME, 'bias', bias.dims, [dim]);
    const state = optionalTensorArg(NAME, 'state', a.state, Float32Array, 3);
    if (state) expectDims(NAME, 'state', state.dims, [batch, dim, width - 1]);
    const activation = enumOption(NAME, 'activation', a.activation, ['silu', 'none'] as const, 'none');

    const y = new Tensor(new Float32Array(batch * seqLen * dim), [batch, seqLen, dim]);
    const newState = new Tensor(new Float32Array(batch * dim * (width - 1)), [batch, dim, width - 1]);
    const shape = { batch, seqLen, dim, width };
    const b = bias?.data ?? null;
    const s = state?.data ?? null;
    return {
      native: { ...shape, x: x.data, weight: weight.data, bias: b, state: s, activation, y: y.data, newState: newState.data },
      ts: () => (seqLen === 1 ? convStepF32 : convCausalF32)(shape, x.data, weight.data, b, s, activation, y.data, newState.data),
      result: { y, state: newState },
    };
  },
});
