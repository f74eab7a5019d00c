// Kernels that write every element of their output allocate it uninitialized (lib/ops/alloc.ts).
// Each is run with its fresh output prefilled with NaN and then with 3.5: on every backend and
// native ISA, sync and async, both results must be bit-identical and NaN-free, so no element is
// left as the memory held it. Shapes are odd to reach every SIMD tail; rope rotates part of the
// head (the rest is copied). Fresh outputs are plain ArrayBuffers of their own: transferable.
import { afterEach, describe, expect, it } from 'vitest';

import { kernels, Tensor } from '../../lib/index.js';
import { f32ToBf16, f32ToF16 } from '../../lib/kernels/half.js';
import { poisonFreshOutputsForTesting, uninitializedF32 } from '../../lib/ops/alloc.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';

type Backend = 'ts' | 'native';
type Out = Tensor | { q: Tensor; k: Tensor };

const rng = new Rng(2026);
const t = (dims: number[], scale = 1) => new Tensor(rng.f32(dims.reduce((a, b) => a * b, 1), scale), dims);
const x = t([3, 7, 2, 37]);
const w = new Tensor(rng.f32(37, 0.2).map((v) => 1 + v), [37]);
const b = t([37]);
const half = (f: (v: number) => number, src: Tensor) => ({ data: Uint16Array.from(src.data, f), dims: src.dims, dtype: f === f32ToF16 ? ('f16' as const) : ('bf16' as const) });
const positions = new Tensor(Int32Array.from({ length: 21 }, (_, i) => (i * 5) % 13), [3, 7]);
const q = t([3, 7, 4, 20]);
const k = t([3, 7, 2, 20]);
const xr = t([3, 7, 2, 20]);
const table = t([13, 37]);
const ids = new Tensor(Int32Array.of(3, 0, 12, 7, 7), [5]);
const big = t([2, 1031]);
const other = t(big.dims);

const calls: [string, (backend: Backend, async: boolean) => Out | Promise<Out>][] = [
  ['rmsNorm', (backend, async) => (async ? kernels.rmsNormAsync : kernels.rmsNorm)({ x, weight: w }, { backend })],
  ['rmsNorm f16 weight', (backend, async) => (async ? kernels.rmsNormAsync : kernels.rmsNorm)({ x, weight: half(f32ToF16, w) }, { backend })],
  ['layerNorm', (backend, async) => (async ? kernels.layerNormAsync : kernels.layerNorm)({ x, weight: w, bias: b }, { backend })],
  ['layerNorm no affine', (backend, async) => (async ? kernels.layerNormAsync : kernels.layerNorm)({ x }, { backend })],
  ['rope half, partial', (backend, async) => (async ? kernels.ropeAsync : kernels.rope)({ x: xr, positions, rotaryDim: 12 }, { backend })],
  ['rope interleaved', (backend, async) => (async ? kernels.ropeAsync : kernels.rope)({ x: xr, positions, style: 'interleaved' }, { backend })],
  ['ropeQk partial', (backend, async) => (async ? kernels.ropeQkAsync : kernels.ropeQk)({ q, k, positions, rotaryDim: 8 }, { backend })],
  ['add', (backend, async) => (async ? kernels.addAsync : kernels.add)({ a: big, b: other }, { backend })],
  ['mul broadcast', (backend, async) => (async ? kernels.mulAsync : kernels.mul)({ a: x, b: w }, { backend })],
  ['silu', (backend, async) => (async ? kernels.siluAsync : kernels.silu)({ x: big }, { backend })],
  ['gelu tanh', (backend, async) => (async ? kernels.geluAsync : kernels.gelu)({ x: big, approximate: 'tanh' }, { backend })],
  ['relu', (backend, async) => (async ? kernels.reluAsync : kernels.relu)({ x: big }, { backend })],
  ['siluMul', (backend, async) => (async ? kernels.siluMulAsync : kernels.siluMul)({ gate: big, up: other }, { backend })],
  ['geluMul', (backend, async) => (async ? kernels.geluMulAsync : kernels.geluMul)({ gate: big, up: other }, { backend })],
  ['softmax', (backend, async) => (async ? kernels.softmaxAsync : kernels.softmax)({ x }, { backend })],
  ['embedding f32', (backend, async) => (async ? kernels.embeddingAsync : kernels.embedding)({ table, ids }, { backend })],
  ['embedding bf16', (backend, async) => (async ? kernels.embeddingAsync : kernels.embedding)({ table: half(f32ToBf16, table), ids }, { backend })],
];

const tensorsOf = (o: Out): Tensor[] => (o instanceof Tensor ? [o] : [o.q, o.k]);

async function withPoison(value: number, run: () => Out | Promise<Out>): Promise<Float32Array[]> {
  poisonFreshOutputsForTesting(value);
  try {
    return tensorsOf(await run()).map((o) => o.data as Float32Array);
  } finally {
    poisonFreshOutputsForTesting(undefined);
  }
}

// The async TS path runs in a worker with its own (unpoisoned) module state: sync TS covers it.
const drivers: { name: string; backend: Backend; isa?: string; async: boolean }[] = [
  { name: 'ts', backend: 'ts', async: false },
  ...isas.flatMap((isa) => [false, true].map((async) => ({ name: `${isa}${async ? ' async' : ''}`, backend: 'native' as const, isa, async }))),
];

describe('fresh outputs are written in full', () => {
  restoreBestIsaAfterAll();
  afterEach(() => poisonFreshOutputsForTesting(undefined));

  for (const d of drivers) {
    it.each(calls)(`%s (${d.name})`, async (_name, call) => {
      const run = () => (d.isa ? withIsa(d.isa, () => call(d.backend, d.async)) : call(d.backend, d.async));
      const nan = await withPoison(NaN, run);
      const other = await withPoison(3.5, run);
      expect(nan.length).toBe(other.length);
      nan.forEach((a, i) => {
        expect(a.some(Number.isNaN)).toBe(false);
        expect(new Uint32Array(a.buffer, a.byteOffset, a.length)).toEqual(new Uint32Array(other[i].buffer, other[i].byteOffset, other[i].length));
      });
    });
  }
});

describe('uninitialized outputs', () => {
  it('are views over an ArrayBuffer of their own that transfers (detaching the sender)', () => {
    const backends: Backend[] = nativeLoaded ? ['ts', 'native'] : ['ts'];
    for (const backend of backends) {
      const out = kernels.add({ a: big, b: other }, { backend });
      const data = out.data as Float32Array;
      expect(data.byteOffset).toBe(0);
      expect(data.buffer.byteLength).toBe(4 * data.length);
      const copy = Float32Array.from(data);
      const moved = structuredClone(data, { transfer: [data.buffer as ArrayBuffer] });
      expect(data.byteLength).toBe(0);
      expect(moved).toEqual(copy);
    }
  });

  it('of length 0 and of odd lengths have exactly that length', () => {
    expect(uninitializedF32(0).length).toBe(0);
    expect(uninitializedF32(1031).length).toBe(1031);
    expect(kernels.add({ a: new Tensor(new Float32Array(0), [0, 4]), b: new Tensor(new Float32Array(4), [4]) }).data.length).toBe(0);
  });
});
