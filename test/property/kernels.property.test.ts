// Property tests of the public kernels (fast-check, seeded): random shapes, options, ids, masks
// and positions, sometimes made wrong on purpose. Each call either succeeds on both backends
// with native == TS within tolerance (NaN and infinities where the twin has them, nowhere else)
// or throws the same documented error (ShapeError, DTypeError, ValueRangeError) on both.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { DTypeError, ShapeError, ValueRangeError } from '../../lib/errors.js';
import { kernels, Tensor } from '../../lib/index.js';
import { toWeight } from '../cases/weights.js';
import { nativeLoaded } from '../helpers/backends.js';
import { fcParams, propertyTimeout } from '../helpers/property.js';

type Args = Record<string, unknown>;
type KernelName = keyof typeof kernels;

/** Deterministic values in [-2, 2) from a seed, with an occasional inf or NaN when `special`. */
function floats(seed: number, n: number, special = false): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 4 - 2;
    if (special && (s & 0xff) === 7) out[i] = [Infinity, -Infinity, NaN][s % 3];
  }
  return out;
}
const t = (seed: number, dims: number[], special = false) => new Tensor(floats(seed, dims.reduce((a, b) => a * b, 1), special), dims);

const dim = (max = 5) => fc.integer({ min: 0, max });
const pos = (max = 5) => fc.integer({ min: 1, max });
const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const dtypeArb = fc.constantFrom('f32' as const, 'f16' as const, 'bf16' as const);

// Each case: the kernel and an arbitrary of its arguments (built fresh per backend call).
const cases: { name: KernelName; args: fc.Arbitrary<() => Args> }[] = [
  {
    name: 'attention',
    args: fc
      .record({ b: dim(2), sq: dim(4), sk: dim(5), kvh: pos(2), group: pos(3), hd: pos(8), causal: fc.boolean(), mask: fc.option(fc.uint8Array({ minLength: 0, maxLength: 12, max: 2 })), bias: fc.constantFrom('none', 'shared', 'batched'), scale: fc.option(fc.double({ min: -4, max: 4, noNaN: true })), s: seed, special: fc.boolean() })
      .map((r) => () => {
        const h = r.kvh * r.group;
        const a: Args = { q: t(r.s, [r.b, r.sq, h, r.hd], r.special), k: t(r.s + 1, [r.b, r.sk, r.kvh, r.hd]), v: t(r.s + 2, [r.b, r.sk, r.kvh, r.hd]), causal: r.causal };
        if (r.mask) a.keyPaddingMask = r.mask.length === r.b * r.sk ? new Tensor(r.mask, [r.b, r.sk]) : r.mask; // wrong lengths must be ShapeError
        if (r.bias !== 'none') a.bias = t(r.s + 3, r.bias === 'shared' ? [h, r.sq, r.sk] : [r.b, h, r.sq, r.sk], r.special);
        if (r.scale !== null) a.scale = r.scale;
        return a;
      }),
  },
  {
    name: 'linear',
    args: fc.record({ rows: dim(9), lead: fc.boolean(), inF: dim(20), outF: dim(12), dtype: dtypeArb, bias: fc.boolean(), s: seed }).map((r) => () => {
      const w = toWeight(floats(r.s, r.outF * r.inF), [r.outF, r.inF], r.dtype);
      return { x: t(r.s + 1, r.lead ? [1, r.rows, r.inF] : [r.rows, r.inF]), weight: w, ...(r.bias ? { bias: t(r.s + 2, [r.outF]) } : {}) };
    }),
  },
  {
    name: 'selectiveScan',
    args: fc
      .record({ b: dim(2), l: dim(4), groups: pos(2), per: pos(3), n: pos(4), D: fc.boolean(), z: fc.boolean(), db: fc.boolean(), sp: fc.boolean(), state: fc.boolean(), s: seed })
      .map((r) => () => {
        const d = r.groups * r.per;
        const A = t(r.s, [d, r.n]);
        A.data.forEach((x, i) => (A.data[i] = -Math.abs(x) - 0.1));
        return {
          u: t(r.s + 1, [r.b, r.l, d]), delta: t(r.s + 2, [r.b, r.l, d]), A, B: t(r.s + 3, [r.b, r.l, r.groups, r.n]), C: t(r.s + 4, [r.b, r.l, r.groups, r.n]),
          D: r.D ? t(r.s + 5, [d]) : null, z: r.z ? t(r.s + 6, [r.b, r.l, d]) : null, deltaBias: r.db ? t(r.s + 7, [d]) : null, deltaSoftplus: r.sp,
          state: r.state ? t(r.s + 8, [r.b, d, r.n]) : null,
        };
      }),
  },
  {
    name: 'causalConv1d',
    args: fc.record({ b: dim(2), l: dim(5), d: dim(6), w: pos(4), bias: fc.boolean(), state: fc.boolean(), act: fc.constantFrom('silu', 'none', undefined), s: seed }).map((r) => () => ({
      x: t(r.s, [r.b, r.l, r.d]), weight: t(r.s + 1, [r.d, r.w]), bias: r.bias ? t(r.s + 2, [r.d]) : null, state: r.state ? t(r.s + 3, [r.b, r.d, r.w - 1]) : null, activation: r.act,
    })),
  },
  {
    name: 'rope',
    args: fc
      .record({ b: dim(2), sq: dim(4), h: dim(3), hd: fc.integer({ min: 0, max: 5 }).map((x) => 2 * x), rot: fc.option(fc.integer({ min: 0, max: 12 })), style: fc.constantFrom('half', 'interleaved'), positions: fc.array(fc.oneof(fc.integer({ min: -3, max: 70000 }), fc.constantFrom(2 ** 31 - 1, -(2 ** 31))), { maxLength: 10 }), theta: fc.option(fc.double({ min: 1, max: 1e6, noNaN: true })), scaling: fc.option(fc.double({ min: 0, max: 2, noNaN: true })), s: seed })
      .map((r) => () => {
        const p = Int32Array.from({ length: r.b * r.sq }, (_, i) => r.positions[i % Math.max(1, r.positions.length)] ?? i);
        const a: Args = { x: t(r.s, [r.b, r.sq, r.h, r.hd]), positions: new Tensor(p, [r.b, r.sq]), style: r.style };
        if (r.rot !== null) a.rotaryDim = r.rot;
        if (r.theta !== null) a.theta = r.theta;
        if (r.scaling !== null) a.attentionScaling = r.scaling;
        return a;
      }),
  },
  {
    name: 'embedding',
    args: fc
      .record({ vocab: dim(6), d: dim(5), dtype: dtypeArb, ids: fc.array(fc.oneof(fc.integer({ min: -2, max: 8 }), fc.constantFrom(2 ** 31 - 1, -(2 ** 31))), { maxLength: 8 }), s: seed })
      .map((r) => () => ({ table: toWeight(floats(r.s, r.vocab * r.d), [r.vocab, r.d], r.dtype), ids: new Tensor(Int32Array.from(r.ids), [r.ids.length]) })),
  },
  ...(['rmsNorm', 'layerNorm'] as const).map((name) => ({
    name,
    args: fc.record({ rows: dim(4), hidden: dim(40), w: fc.option(dtypeArb), b: fc.option(dtypeArb), eps: fc.option(fc.double({ min: 0, max: 1, noNaN: true })), s: seed, special: fc.boolean() }).map((r) => () => {
      const a: Args = { x: t(r.s, [r.rows, r.hidden], r.special) };
      if (r.w) a.weight = toWeight(floats(r.s + 1, r.hidden), [r.hidden], r.w);
      if (r.b && name === 'layerNorm') a.bias = toWeight(floats(r.s + 2, r.hidden), [r.hidden], r.b);
      if (r.eps !== null) a.eps = r.eps;
      return a;
    }),
  })),
  ...(['silu', 'gelu', 'relu', 'softmax'] as const).map((name) => ({
    name,
    args: fc.record({ dims: fc.array(dim(40), { maxLength: 3 }), s: seed, special: fc.boolean(), approx: fc.constantFrom('none', 'tanh', undefined) }).map((r) => () => ({ x: t(r.s, r.dims, r.special), ...(name === 'gelu' ? { approximate: r.approx } : {}) })),
  })),
  ...(['add', 'mul', 'siluMul', 'geluMul'] as const).map((name) => ({
    name,
    args: fc.record({ lead: fc.array(dim(4), { maxLength: 2 }), tail: fc.array(dim(20), { maxLength: 2 }), broadcast: fc.boolean(), s: seed }).map((r) => () => {
      const dims = [...r.lead, ...r.tail];
      const other = t(r.s + 1, r.broadcast ? r.tail : dims);
      return name === 'add' || name === 'mul' ? { a: t(r.s, dims), b: other } : { gate: t(r.s, dims), up: other };
    }),
  })),
];

// Ways to make a valid call wrong: a tensor's dims no longer matching its data, a Float64Array
// where a Float32Array belongs, a number option that is NaN, negative or a string.
const breakArb = fc.option(
  fc.record({ kind: fc.constantFrom('dims', 'dtype', 'option'), pick: fc.nat(), value: fc.constantFrom(NaN, -1, 1e300, 'x', 0.5) }),
  { freq: 3 },
);
function breakArgs(a: Args, how: { kind: string; pick: number; value: unknown } | null): Args {
  if (!how) return a;
  const keys = Object.keys(a).filter((k) => a[k] != null);
  const tensors = keys.filter((k) => typeof a[k] === 'object' && 'dims' in (a[k] as object));
  const options = keys.filter((k) => !tensors.includes(k));
  if (how.kind === 'option' && options.length > 0) return { ...a, [options[how.pick % options.length]]: how.value };
  if (tensors.length === 0) return a;
  const k = tensors[how.pick % tensors.length];
  const v = a[k] as { data: ArrayLike<number>; dims: number[]; dtype?: string };
  if (how.kind === 'dims') return { ...a, [k]: { ...v, dims: [...v.dims, 2] } };
  return { ...a, [k]: { ...v, data: Float64Array.from(v.data) } };
}

type Outcome = { value: unknown } | { error: unknown };
function run(name: KernelName, args: Args, backend: 'native' | 'ts'): Outcome {
  try {
    return { value: (kernels[name] as unknown as (a: Args, o: object) => unknown)(args, { backend }) };
  } catch (error) {
    return { error };
  }
}

function tensorsOf(v: unknown): Tensor[] {
  if (v instanceof Tensor) return [v];
  return Object.values(v as Record<string, unknown>).filter((x): x is Tensor => x instanceof Tensor);
}

// Finite reference values must be matched within tolerance (so no NaN where the twin has none);
// an infinity exactly; where the twin has NaN the native value must be non-finite too (the SIMD
// activations give silu(-inf) = -inf where the twin's x * sigmoid(x) gives NaN, as torch does).
function expectClose(name: string, got: Float32Array, ref: Float32Array): void {
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i];
    const g = got[i];
    const bad = Number.isNaN(r) ? Number.isFinite(g) : !Number.isFinite(r) ? g !== r : !(Math.abs(g - r) <= 2e-3 + 2e-3 * Math.abs(r));
    if (bad) expect.fail(`${name}[${i}]: native ${g}, twin ${r}`);
  }
}

const documented = [ShapeError, DTypeError, ValueRangeError];

describe.runIf(nativeLoaded)('kernels: random calls agree on both backends or fail the same documented way', () => {
  it.each(cases)('$name', ({ name, args }) => {
    fc.assert(
      fc.property(args, breakArb, (make, how) => {
        const native = run(name, breakArgs(make(), how), 'native');
        const ts = run(name, breakArgs(make(), how), 'ts');
        if ('error' in ts || 'error' in native) {
          const e = 'error' in ts ? ts.error : (native as { error: unknown }).error;
          if (!documented.some((c) => e instanceof c)) throw e;
          expect('error' in native && 'error' in ts, `${name}: one backend threw ${String(e)}`).toBe(true);
          const [n, r] = [(native as { error: Error }).error, (ts as { error: Error }).error];
          expect(n.constructor).toBe(r.constructor);
          return;
        }
        const got = tensorsOf(native.value);
        const ref = tensorsOf(ts.value);
        expect(got.map((x) => x.dims)).toEqual(ref.map((x) => x.dims));
        got.forEach((g, i) => expectClose(name, g.data as Float32Array, ref[i].data as Float32Array));
      }),
      fcParams(150),
    );
  }, propertyTimeout(20_000));
});
