import { scanSelectiveF32, scanStepF32 } from '../kernels/scan.js';
import { ShapeError } from '../errors.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { argsObject, boolOption, expectDims, optionalTensorArg, tensorArg } from './validate.js';
import { defineKernel } from './define.js';

export interface SelectiveScanArgs {
  /** [batch, seqLen, dim] */
  u: TensorLike<Float32Array>;
  /** [batch, seqLen, dim], before deltaBias and softplus */
  delta: TensorLike<Float32Array>;
  /** [dim, dState], negative (Mamba: A = -exp(A_log)) */
  A: TensorLike<Float32Array>;
  /** [batch, seqLen, groups, dState] */
  B: TensorLike<Float32Array>;
  /** [batch, seqLen, groups, dState] */
  C: TensorLike<Float32Array>;
  /** [dim] skip term y += D * u */
  D?: TensorLike<Float32Array> | null;
  /** [batch, seqLen, dim] gate y *= silu(z) */
  z?: TensorLike<Float32Array> | null;
  /** [dim] added to delta before the softplus */
  deltaBias?: TensorLike<Float32Array> | null;
  deltaSoftplus?: boolean;
  /** [batch, dim, dState] h_0 (zeros when absent) */
  state?: TensorLike<Float32Array> | null;
}

export interface SelectiveScanResult {
  /** [batch, seqLen, dim] */
  y: Tensor;
  /** [batch, dim, dState] */
  lastState: Tensor;
}

const NAME = 'selectiveScan';

export const selectiveScan = defineKernel<SelectiveScanArgs, SelectiveScanResult>({
  name: NAME,
  prepare(args) {
    const a = argsObject(NAME, args);
    const u = tensorArg(NAME, 'u', a.u, Float32Array, 3);
    const [batch, seqLen, dim] = u.dims;
    const delta = tensorArg(NAME, 'delta', a.delta, Float32Array, 3);
    expectDims(NAME, 'delta', delta.dims, [batch, seqLen, dim]);
    const A = tensorArg(NAME, 'A', a.A, Float32Array, 2);
    expectDims(NAME, 'A', A.dims, [dim, undefined]);
    const dState = A.dims[1];
    const B = tensorArg(NAME, 'B', a.B, Float32Array, 4);
    expectDims(NAME, 'B', B.dims, [batch, seqLen, undefined, dState]);
    const groups = B.dims[2];
    const C = tensorArg(NAME, 'C', a.C, Float32Array, 4);
    expectDims(NAME, 'C', C.dims, [batch, seqLen, groups, dState]);
    if (dim < 1 || dState < 1 || groups < 1) {
      throw new ShapeError(`${NAME}: dim, dState and groups must be at least 1, got dim ${dim}, dState ${dState}, groups ${groups}`);
    }
    if (dim % groups !== 0) throw new ShapeError(`${NAME}: dim ${dim} is not a multiple of groups ${groups}`);
    const D = optionalTensorArg(NAME, 'D', a.D, Float32Array, 1);
    if (D) expectDims(NAME, 'D', D.dims, [dim]);
    const z = optionalTensorArg(NAME, 'z', a.z, Float32Array, 3);
    if (z) expectDims(NAME, 'z', z.dims, [batch, seqLen, dim]);
    const deltaBias = optionalTensorArg(NAME, 'deltaBias', a.deltaBias, Float32Array, 1);
    if (deltaBias) expectDims(NAME, 'deltaBias', deltaBias.dims, [dim]);
    const state = optionalTensorArg(NAME, 'state', a.state, Float32Array, 3);
    if (state) expectDims(NAME, 'state', state.dims, [batch, dim, dState]);
    const deltaSoftplus = boolOption(NAME, 'deltaSoftplus', a.deltaSoftplus, false);

    const y = new Tensor(new Float32Array(batch * seqLen * dim), [batch, seqLen, dim]);
    const lastState = new Tensor(new Float32Array(batch * dim * dState), [batch, dim, dState]);
    const shape = { batch, seqLen, dim, dState, groups };
    const inputs = {
      u: u.data, delta: delta.data, A: A.data, B: B.data, C: C.data,
      D: D?.data ?? null, z: z?.data ?? null, deltaBias: deltaBias?.data ?? null,
      deltaSoftplus, state: state?.data ?? null,
    };
    return {
      native: { ...shape, ...inputs, y: y.data, lastState: lastState.data },
      ts: () => (seqLen === 1 ? scanStepF32 : scanSelectiveF32)(shape, inputs, y.data, lastState.data),
      result: { y, lastState },
    };
  },
});
