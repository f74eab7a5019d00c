// nn.Linear (weight [out, in], optional bias) and GPT-2's Conv1D (stored [in, out], transposed at
// load so every projection runs the same kernel).
import { Tensor } from '../../tensor.js';
import { asF32, type W, type Weights } from '../weights.js';
import type { Map1 } from './context.js';
import type { F32, Ops } from './ops.js';

export interface LinearOpts {
  /** true: `${name}.bias` must exist; 'optional': used when stored; false: none. */
  bias?: boolean | 'optional';
  /** GPT-2 Conv1D layout [in, out]. */
  conv1d?: boolean;
}

function params(w: Weights, name: string, inF: number, outF: number, opts: LinearOpts): { weight: W; bias: W | undefined } {
  const weight = opts.conv1d ? w.transposed(`${name}.weight`, [inF, outF]) : w.get(`${name}.weight`, [outF, inF]);
  const bias = asF32(
    opts.bias === true ? w.get(`${name}.bias`, [outF]) : opts.bias === 'optional' ? w.opt(`${name}.bias`, [outF]) : undefined);
  return { weight, bias };
}

/** A projection; given `residual` (the result's dims) it returns residual + projection in one pass. */
export type Projection = (x: F32, residual?: F32) => F32;

export function linear(ops: Ops, w: Weights, name: string, inF: number, outF: number, opts: LinearOpts = {}): Projection {
  const { weight, bias } = params(w, name, inF, outF, opts);
  return (x, residual) => ops.linear(x, weight, bias, residual);
}

export interface LinearGroup {
  (x: F32): F32[];
  /** The projections at these indices only, still in one call. */
  subset(indices: number[]): (x: F32) => F32[];
}

/** Projections of one x to several outputs ([name, outF] each) in one kernel call. */
export function linearGroup(ops: Ops, w: Weights, parts: [string, number][], inF: number, opts: LinearOpts = {}): LinearGroup {
  return groupOf(ops, parts.map(([name, outF]) => params(w, name, inF, outF, opts)));
}

/**
 * One stored projection whose output rows are several (GPT-2's c_attn: q | k | v), run as a group
 * over row blocks of its weight, so no output is sliced apart in JS.
 */
export function fusedLinearGroup(ops: Ops, w: Weights, name: string, inF: number, outs: number[], opts: LinearOpts = {}): LinearGroup {
  const all = params(w, name, inF, outs.reduce((a, b) => a + b, 0), opts);
  let row = 0;
  return groupOf(ops, outs.map((outF) => {
    const rows = (x: W, per: number): W => ({ name: `${x.name}[${row}:${row + outF}]`, data: x.data.subarray(row * per, (row + outF) * per), dims: per === 1 ? [outF] : [outF, per], dtype: x.dtype });
    const part = { weight: rows(all.weight, inF), bias: all.bias && rows(all.bias, 1) };
    row += outF;
    return part;
  }));
}

function groupOf(ops: Ops, ps: { weight: W; bias: W | undefined }[]): LinearGroup {
  const subset = (indices: number[]) => {
    const weights = indices.map((i) => ps[i].weight);
    const biases = indices.map((i) => ps[i].bias);
    return (x: F32) => ops.linearGroup(x, weights, biases);
  };
  return Object.assign(subset(ps.map((_, i) => i)), { subset });
}

const SCRATCH_ROWS = 8;

/**
 * act(gate(x)) * up(x) in one kernel call. `scratch`: the result is an intermediate the caller
 * drops before calling again, so its buffer is reused (decode allocates no output per token).
 */
export function gatedLinear(
  ops: Ops, w: Weights, gate: string, up: string, inF: number, outF: number, act: 'silu' | 'gelu' | 'gelu_tanh',
  opts: LinearOpts & { scratch?: boolean } = {},
): Map1 {
  const g = params(w, gate, inF, outF, opts);
  const u = params(w, up, inF, outF, opts);
  let buf: Float32Array | undefined;
  return (x) => {
    const dims = [...x.dims.slice(0, -1), outF];
    const n = dims.reduce((a, b) => a * b, 1);
    // Only decode-sized results are kept: a prompt's would hold megabytes per layer.
    if (!opts.scratch || n > SCRATCH_ROWS * outF) return ops.gatedLinear(x, g.weight, u.weight, g.bias, u.bias, act);
    if (buf?.length !== n) buf = new Float32Array(n);
    return ops.gatedLinear(x, g.weight, u.weight, g.bias, u.bias, act, new Tensor(buf, dims));
  };
}
