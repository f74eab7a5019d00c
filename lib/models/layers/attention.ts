// Multi-head attention, self or cross (Vaswani et al. 2017, eq. 1-2), as one parameterised layer:
// separate q/k/v projections or GPT-2's fused c_attn, optional biases, grouped K/V heads, RoPE on
// q and k, an additive bias (T5 relative positions, from the context), a KV cache in the layer's
// state slot (self: appended each step; cross: computed once from the encoder output), causal or
// not, and the score scale (default 1/sqrt(headDim); T5 uses 1).
import { KvCache } from '../../generation/kv-cache.js';
import { Tensor } from '../../tensor.js';
import type { Weights } from '../weights.js';
import { RAGGED_MAX_ROWS } from '../../ops/ragged-attention.js';
import type { KvTensor } from '../../ops/attention.js';
import { limitRecording } from '../../ops/define.js';
import type { Ctx, RowCtx } from './context.js';
import type { RopeFrequencies } from './positions.js';
import { fusedLinearGroup, linear, linearGroup } from './linear.js';
import { type F32, reshape, rowOf } from './ops.js';
import type { Ops } from './ops.js';

export interface AttentionOpts {
  hidden: number;
  heads: number;
  /** Grouped-query K/V heads (default heads). */
  kvHeads?: number;
  headDim: number;
  /** Projection names under the prefix: q, k, v, o; or qkv for a fused [hidden, 3·inner] Conv1D. */
  names: { q: string; k: string; v: string; o: string } | { qkv: string; o: string };
  /** Biases on q/k/v and on o: true, false or 'optional' (attention_bias). */
  bias: boolean | 'optional';
  conv1d?: boolean;
  /** RoPE on q and k: inverse frequencies for a sequence of the given length (the same array for lengths that share them). */
  rope?: { invFreq: RopeFrequencies; style: 'half' | 'interleaved' };
  scale?: number;
  /** Keys come from the encoder output (ctx.memory), computed once per sequence. */
  cross?: boolean;
  /** Add ctx.selfBias to the scores (T5). */
  useBias?: boolean;
}

export function attention(ops: Ops, w: Weights, prefix: string, o: AttentionOpts) {
  const { hidden, heads, headDim } = o;
  const kvHeads = o.kvHeads ?? heads;
  const inner = heads * headDim;
  const kvInner = kvHeads * headDim;
  const lin = { bias: o.bias, conv1d: o.conv1d };
  const n = o.names;
  // One kernel call for q, k and v (a decode step's three GEMVs share one pool job).
  const qkv = 'qkv' in n
    ? fusedLinearGroup(ops, w, `${prefix}.${n.qkv}`, hidden, [inner, kvInner, kvInner], lin)
    : linearGroup(ops, w, [[`${prefix}.${n.q}`, inner], [`${prefix}.${n.k}`, kvInner], [`${prefix}.${n.v}`, kvInner]], hidden, lin);
  const qOnly = qkv.subset([0]);
  const kvOnly = qkv.subset([1, 2]);
  const projectQ = (x: F32) => qOnly(x)[0];
  const projectKv = (x: F32) => {
    const [k, v] = kvOnly(x);
    return { k, v };
  };
  const project = (x: F32) => {
    const [q, k, v] = qkv(x);
    return { q, k, v };
  };
  const out = linear(ops, w, `${prefix}.${n.o}`, inner, hidden, lin);
  const heads4 = (t: F32, hs: number) => reshape(t, [t.dims[0], t.dims[1], hs, headDim]);

  const maxOf = (positions: Tensor<Int32Array>) => positions.data.reduce((m, p) => Math.max(m, p), 0);
  /** RoPE on q and k at their positions, with the frequencies for a sequence reaching the last of them. */
  const rotate = (q: F32, kv: { k: F32; v: F32 }, positions: Tensor<Int32Array>) => {
    if (!o.rope) return { q, kv };
    // A recorded decode step reuses these frequencies only while they stay the same.
    limitRecording(o.rope.invFreq.sameUpTo);
    const r = ops.ropeQk(q, kv.k, positions, o.rope.invFreq(maxOf(positions) + 1), o.rope.style);
    return { q: r.q, kv: { k: r.k, v: kv.v } };
  };
  /** Whether every row of a ragged step rotates with the same frequencies (all but dynamic NTK past the trained length). */
  const sameFreqs = (positions: Tensor<Int32Array>) => {
    if (!o.rope) return true;
    const a = o.rope.invFreq(positions.data.reduce((m, p) => Math.min(m, p), Infinity) + 1);
    const b = o.rope.invFreq(maxOf(positions) + 1);
    return a === b || a.every((x, i) => x === b[i]);
  };

  /** The keys rows sharing one state slot, mask, bias and encoder output attend over (the cache appended first). */
  function keysOf(kv: { k: F32; v: F32 } | undefined, g: RowCtx, il: number, ctx: Ctx, batch: number, seq: number) {
    const slot = g.state?.[il];
    let k: KvTensor;
    let v: KvTensor;
    let keyPaddingMask: Uint8Array | undefined;
    if (o.cross) {
      let cross = slot?.cross;
      if (!cross) {
        if (!g.memory) throw new Error('internal: cross-attention without an encoder output');
        const p = projectKv(g.memory.hidden);
        cross = { k: heads4(p.k, kvHeads), v: heads4(p.v, kvHeads) };
        if (slot) slot.cross = cross;
      }
      ({ k, v } = cross);
      keyPaddingMask = g.memory?.mask;
    } else {
      ({ k, v } = kv!);
      if (slot) {
        slot.self ??= new KvCache(batch, kvHeads, headDim, ctx.cacheCapacity ?? Math.max(16, seq * 2), ctx.kvCache);
        ({ k, v } = slot.self.append(kv!.k, kv!.v, ctx.ops.kvAppend));
      }
      keyPaddingMask = g.selfMask;
    }
    return { k, v, keyPaddingMask, bias: o.useBias ? g.selfBias : undefined };
  }

  /** A ragged step: each row (one token) attends over its own cache, all rows in one kernel call per chunk. */
  function attendRows(q: F32, kv: { k: F32; v: F32 } | undefined, ctx: Ctx, il: number, together: boolean): F32 {
    const rows = ctx.rows!;
    const qs = together ? q : new Tensor(q.data.slice(), q.dims);
    const keys = rows.map((g, r) => {
      let row = { q: rowOf(q, r), kv: kv && { k: rowOf(kv.k, r), v: rowOf(kv.v, r) } };
      if (row.kv && !together) {
        row = rotate(row.q, row.kv, rowOf(ctx.positions, r));
        qs.data.set(row.q.data, r * inner);
      }
      return keysOf(row.kv, g, il, ctx, 1, 1);
    });
    if (rows.length <= RAGGED_MAX_ROWS) return ops.raggedAttention({ q: qs, rows: keys, scale: o.scale });
    const attn = new Tensor(new Float32Array(qs.data.length), qs.dims);
    for (let r0 = 0; r0 < rows.length; r0 += RAGGED_MAX_ROWS) {
      const r1 = Math.min(rows.length, r0 + RAGGED_MAX_ROWS);
      const part = new Tensor(qs.data.subarray(r0 * inner, r1 * inner), [r1 - r0, ...qs.dims.slice(1)]);
      attn.data.set(ops.raggedAttention({ q: part, rows: keys.slice(r0, r1), scale: o.scale }).data, r0 * inner);
    }
    return attn;
  }

  return (x: F32, ctx: Ctx, il: number, residual?: F32): F32 => {
    const [batch, seq] = x.dims;
    let q: F32;
    let kv: { k: F32; v: F32 } | undefined;
    if (o.cross) q = heads4(projectQ(x), heads);
    else {
      const p = project(x);
      q = heads4(p.q, heads);
      kv = { k: heads4(p.k, kvHeads), v: heads4(p.v, kvHeads) };
    }
    // RoPE over all rows at once, unless a ragged step's rows need different frequencies.
    const together = !ctx.rows || sameFreqs(ctx.positions);
    if (kv && together) ({ q, kv } = rotate(q, kv, ctx.positions));
    // Ragged: the projections above ran over every row at once; each row attends over its own cache.
    const attn = ctx.rows
      ? attendRows(q, kv, ctx, il, together)
      : ops.attention({ q, ...keysOf(kv, ctx, il, ctx, batch, seq), scale: o.scale, causal: !o.cross && ctx.causal });
    return out(reshape(attn, [batch, seq, inner]), residual);
  };
}
