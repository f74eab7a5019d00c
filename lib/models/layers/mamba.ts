// Mamba-1 mixer (Gu & Dao 2023, Algorithm 2; transformers' MambaMixer.slow_forward, mamba-minimal):
// in_proj → (x, z); x → depthwise causalConv1d + SiLU → x_proj → (dt, B, C); dt_proj(dt) is the
// delta whose bias and softplus the scan applies; selectiveScan with A = -exp(A_log), D and
// SiLU(z) gating → out_proj. With a state slot the conv inputs and the SSM state carry over, so a
// one-token step costs the same at any position.
import type { LayerState } from '../../generation/kv-cache.js';
import { Tensor } from '../../tensor.js';
import { toF32, type Weights } from '../weights.js';
import type { Ctx } from './context.js';
import { linear } from './linear.js';
import { type F32, type Ops, reshape, rowOf, sliceLast } from './ops.js';

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

  return (x: F32, ctx: Ctx, il: number, residual?: F32): F32 => {
    const [batch, seq] = x.dims;
    // A ragged step gathers every row's own conv and SSM state into one batch, and scatters back.
    const slots = ctx.rows ? ctx.rows.map((g) => g.state![il]) : ctx.state ? [ctx.state[il]] : undefined;
    const xz = inProj(x);
    const xs = sliceLast(xz, 0, inner);
    const z = sliceLast(xz, inner, inner);
    const conv = ops.causalConv1d({ x: xs, weight: convWeight, bias: convBias, state: gather(slots, 'conv'), activation: 'silu' });
    const u = conv.y;
    const params = xProj(u);
    const delta = dtProj(sliceLast(params, 0, dtRank));
    const B = reshape(sliceLast(params, dtRank, dState), [batch, seq, 1, dState]);
    const C = reshape(sliceLast(params, dtRank + dState, dState), [batch, seq, 1, dState]);
    const scan = ops.selectiveScan({ u, delta, A, B, C, D, z, deltaBias: dtBias, deltaSoftplus: true, state: gather(slots, 'ssm') });
    scatter(slots, 'conv', conv.state);
    scatter(slots, 'ssm', scan.lastState);
    return outProj(scan.y, residual);
  };
}

type StateKey = 'conv' | 'ssm';

/**
 * The slots' states stacked on the batch axis; undefined when there is no state yet (a fresh pass).
 * While the batch keeps its rows in order, they are still the consecutive views scatter() made of
 * the last step's output, which is then read in place instead of copied.
 */
function gather(slots: LayerState[] | undefined, key: StateKey): F32 | undefined {
  if (!slots || slots.length === 1) return slots?.[0][key];
  const parts = slots.map((s) => s[key]!);
  const first = parts[0].data;
  const n = first.length;
  const dims = [parts.length, ...parts[0].dims.slice(1)];
  const inPlace = parts.every((p, r) => p.data.buffer === first.buffer && p.data.byteOffset === first.byteOffset + r * n * 4 && p.data.length === n);
  if (inPlace && first.byteOffset + parts.length * n * 4 <= first.buffer.byteLength) {
    return new Tensor(new Float32Array(first.buffer, first.byteOffset, parts.length * n), dims);
  }
  const out = new Float32Array(n * parts.length);
  parts.forEach((p, r) => out.set(p.data, r * n));
  return new Tensor(out, dims);
}

/** Each slot gets its row of t as a view (kernels never write their state inputs, so views stay valid). */
function scatter(slots: LayerState[] | undefined, key: StateKey, t: F32): void {
  if (!slots) return;
  if (slots.length === 1) slots[0][key] = t;
  else slots.forEach((s, r) => (s[key] = rowOf(t, r)));
}
