// Feed-forward blocks: plain down(act(up(x))) (BERT, GPT-2, BART, T5 relu) and gated
// down(act(gate(x)) * up(x)) (LLaMA SwiGLU, T5 v1.1 gated-gelu, T5 gated-relu / gated-silu).
import type { Weights } from '../weights.js';
import type { SublayerFn } from './context.js';
import { gatedLinear, linear, type LinearOpts } from './linear.js';
import type { Activation, Ops } from './ops.js';

export interface MlpOpts extends LinearOpts {
  hidden: number;
  inner: number;
  act: Activation;
  /** Checkpoint names under the prefix. */
  up: string;
  down: string;
}

export function mlp(ops: Ops, w: Weights, prefix: string, o: MlpOpts): SublayerFn {
  const up = linear(ops, w, `${prefix}.${o.up}`, o.hidden, o.inner, o);
  const down = linear(ops, w, `${prefix}.${o.down}`, o.inner, o.hidden, o);
  return (x, _ctx, _il, residual) => down(ops.act(o.act, up(x)), residual);
}

export interface GatedMlpOpts extends MlpOpts {
  gate: string;
}

export function gatedMlp(ops: Ops, w: Weights, prefix: string, o: GatedMlpOpts): SublayerFn {
  const down = linear(ops, w, `${prefix}.${o.down}`, o.inner, o.hidden, o);
  if (o.act === 'relu') {
    const gate = linear(ops, w, `${prefix}.${o.gate}`, o.hidden, o.inner, o);
    const up = linear(ops, w, `${prefix}.${o.up}`, o.hidden, o.inner, o);
    return (x, _ctx, _il, residual) => down(ops.mul(ops.act('relu', gate(x)), up(x)), residual);
  }
  // The gated product only feeds down(), so its buffer is reused from call to call.
  const gateUp = gatedLinear(ops, w, `${prefix}.${o.gate}`, `${prefix}.${o.up}`, o.hidden, o.inner, o.act, { ...o, scratch: true });
  return (x, _ctx, _il, residual) => down(gateUp(x), residual);
}
