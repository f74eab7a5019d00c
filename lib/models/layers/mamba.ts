// Mamba-1 mixer (Gu & Dao 2023, Algorithm 2; transformers' MambaMixer.slow_forward, mamba-minimal):
// in_proj → (x, z); x → depthwise causalConv1d + SiLU → x_proj → (dt, B, C); dt_proj(dt) is the
// delta whose bias and softplus the scan applies; selectiveScan with A = -exp(A_log), D and
// SiLU(z) gating → out_proj. With a state slot the conv inputs and the SSM state carry over, so a
// one-token step costs the same at any position.
import { Tensor } from '../../tensor.js';
import { toF32, type Weights } from '../weights.js';
import type { Ctx } from './context.js';
import { linear } from './linear.js';
import { type F32, type Ops, reshape, sliceLast } from './ops.js';

export interface MambaOpts {
  hidden: number;
  inner: number;
  dState: number;
  dtRank: number;
  convWidth: number;
  convBias: boolean;
  projBias: boolean;
}

export function mambaMixer(ops: Ops, w: Weights, prefix: string, o: MambaOpts) {
  const { hidden, inner, dState, dtRank, convWidth } = o;
  const inProj = linear(ops, w, `${prefix}.in_proj`, hidden, 2 * inner, { bias: o.projBias });
  const xProj = linear(ops, w, `${prefix}.x_proj`, inner, dtRank + 2 * dState);
  const dtProj = linear(ops, w, `${prefix}.dt_proj`, dtRank, inner);
  const outProj = linear(ops, w, `${prefix}.out_proj`, inner, hidden, { bias: o.projBias });
  const convWeight = new Tensor(toF32(w.get(`${prefix}.conv1d.weight`, [inner, 1, convWidth])), [inner, convWidth]);
  const convBias = o.convBias ? new Tensor(toF32(w.get(`${prefix}.conv1d.bias`, [inner])), [inner]) : undefined;
  const dtBias = new Tensor(toF32(w.get(`${prefix}.dt_proj.bias`, [inner])), [inner]);
  const A = new Tensor(toF32(w.get(`${prefix}.A_log`, [inner, dState])).map((a) => -Math.exp(a)), [inner, dState]);
  const D = new Tensor(toF32(w.get(`${prefix}.D`, [inner])), [inner]);

  return (x: F32, ctx: Ctx, il: number): F32 => {
    const [batch, seq] = x.dims;
    const slot = ctx.state?.[il];
    const xz = inProj(x);
    const xs = sliceLast(xz, 0, inner);
    const z = sliceLast(xz, inner, inner);
    const conv = ops.causalConv1d({ x: xs, weight: convWeight, bias: convBias, state: slot?.conv, activation: 'silu' });
    const u = conv.y;
    const params = xProj(u);
    const delta = dtProj(sliceLast(params, 0, dtRank));
    const B = reshape(sliceLast(params, dtRank, dState), [batch, seq, 1, dState]);
    const C = reshape(sliceLast(params, dtRank + dState, dState), [batch, seq, 1, dState]);
    const scan = ops.selectiveScan({ u, delta, A, B, C, D, z, deltaBias: dtBias, deltaSoftplus: true, state: slot?.ssm });
    if (slot) {
      slot.conv = conv.state;
      slot.ssm = scan.lastState;
    }
    return outProj(scan.y);
  };
}
