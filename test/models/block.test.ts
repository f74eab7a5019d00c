// preNorm hands x to each sublayer body as its residual, to be added in the body's last
// projection; with ctx.trace set it keeps the separate add so the trace sees the body's own output.
// Both ways give the same block output, on both backends.
import { describe, expect, it } from 'vitest';

import { preNorm, type Sublayer } from '../../lib/models/layers/block.js';
import type { Ctx } from '../../lib/models/layers/context.js';
import { bindOps, type F32 } from '../../lib/models/layers/ops.js';
import type { W } from '../../lib/models/weights.js';
import { Tensor } from '../../lib/tensor.js';
import { nativeLoaded } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';
import { Rng } from '../helpers/rng.js';

const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

describe.each(backends)('preNorm residual fusion (%s)', (backend) => {
  const ops = bindOps(backend);
  const hidden = 24;
  const rng = new Rng(41);
  const subs: Sublayer[] = ['attn_out', 'ffn_out'].map((name) => {
    const w: W = { name: `${name}.weight`, data: rng.f32(hidden * hidden, 0.3), dims: [hidden, hidden], dtype: 'f32' };
    const normW: W = { name: `${name}.norm`, data: rng.f32(hidden), dims: [hidden], dtype: 'f32' };
    return { name, norm: (x: F32) => ops.rmsNorm(x, normW, 1e-6), f: (x: F32, _ctx: Ctx, _il: number, residual?: F32) => ops.linear(x, w, undefined, residual) };
  });
  const block = preNorm(subs);
  const x = new Tensor(rng.f32(3 * hidden), [1, 3, hidden]);
  const ctxOf = (trace?: Ctx['trace']): Ctx => ({ ops, positions: new Tensor(new Int32Array(3), [1, 3]), causal: true, checkAbort() {}, trace });

  it('the fused block equals norm, body, add; the trace sees each body output before the add', () => {
    const fused = block(x, ctxOf(), 0);
    const traced: [string, F32][] = [];
    const unfused = block(x, ctxOf((name, _il, t) => traced.push([name, t])), 0);
    expectClose(fused.data, unfused.data, { atol: 1e-6, rtol: 1e-6 }, 'fused vs traced');
    expect(traced.map(([n]) => n)).toEqual(['attn_out', 'ffn_out']);
    let h = x;
    for (const [i, s] of subs.entries()) {
      const body = s.f(s.norm(h), ctxOf(), 0);
      expect(Array.from(traced[i][1].data)).toEqual(Array.from(body.data));
      h = ops.add(h, body);
    }
    expectClose(fused.data, h.data, { atol: 1e-6, rtol: 1e-6 }, 'fused vs by hand');
    expect(fused.data).not.toBe(x.data);
  });
});
