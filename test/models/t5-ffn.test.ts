// T5 feed_forward_proj as T5Config reads it: "ACT" → wi, act, wo; "gated-ACT" → act(wi_0) * wi_1,
// wo; "gated-gelu" means gelu_new (tanh). The attention output projections are zeroed, so each
// encoder layer is x + ffn(rms(x)) and the encoder output is worked out here with plain loops.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CheckpointError } from '../../lib/errors.js';
import { writeSafetensors } from '../../lib/io/safetensors-writer.js';
import { loadLocal, runForward } from '../../lib/models/local.js';
import { nativeLoaded } from '../helpers/backends.js';
import { compareArrays } from '../helpers/compare.js';
import { tinyConfigs, tinyTensors } from '../helpers/tiny-checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'attnscan-t5ffn-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const D = 32;
const FF = 48;
const ids = [5, 17, 40, 8, 77];

/** erf: its Taylor series below 2, a continued fraction above (double precision is plenty here). */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 60; n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = (n / 2) / (ax + f);
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f));
}

const acts: Record<string, (x: number) => number> = {
  relu: (x) => Math.max(0, x),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_new: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  silu: (x) => x / (1 + Math.exp(-x)),
};

type T = { data: Float32Array; dims: number[] };
const matvec = (w: T, x: Float64Array): Float64Array =>
  Float64Array.from({ length: w.dims[0] }, (_, o) => x.reduce((s, v, i) => s + v * w.data[o * w.dims[1] + i], 0));
function rms(x: Float64Array, w: T, eps = 1e-6): Float64Array {
  const ms = x.reduce((s, v) => s + v * v, 0) / x.length;
  return x.map((v, i) => (v / Math.sqrt(ms + eps)) * w.data[i]);
}

function reference(t: Record<string, T>, gated: boolean, act: (x: number) => number, layers: number): Float32Array {
  const out = new Float32Array(ids.length * D);
  ids.forEach((id, s) => {
    const x = Float64Array.from(t['shared.weight'].data.subarray(id * D, (id + 1) * D));
    for (let l = 0; l < layers; l++) {
      const p = `encoder.block.${l}.layer.1`;
      const h = rms(x, t[`${p}.layer_norm.weight`]);
      const d = `${p}.DenseReluDense`;
      const inner = gated
        ? matvec(t[`${d}.wi_0.weight`], h).map((g, i) => act(g) * matvec(t[`${d}.wi_1.weight`], h)[i])
        : matvec(t[`${d}.wi.weight`], h).map(act);
      matvec(t[`${d}.wo.weight`], inner).forEach((v, i) => (x[i] += v));
    }
    out.set(rms(x, t['encoder.final_layer_norm.weight']), s * D);
  });
  return out;
}

function write(proj: string, seed: number): { dir: string; tensors: Record<string, T> } {
  const config = { architectures: ['T5ForConditionalGeneration'], ...tinyConfigs.T5ForConditionalGeneration, d_model: D, d_ff: FF, num_layers: 2, feed_forward_proj: proj };
  const tensors = tinyTensors(config, { seed }) as Record<string, T>;
  for (const [name, v] of Object.entries(tensors)) if (/encoder\.block\.\d+\.layer\.0\.SelfAttention\.o\.weight/.test(name)) v.data.fill(0);
  const dir = join(root, `${proj}-${seed}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeSafetensors(join(dir, 'model.safetensors'), tensors as never, { format: 'pt' });
  return { dir, tensors };
}

const variants: [string, boolean, string][] = [
  ['relu', false, 'relu'],
  ['gelu', false, 'gelu'],
  ['silu', false, 'silu'],
  ['gated-gelu', true, 'gelu_new'],
  ['gated-gelu_new', true, 'gelu_new'],
  ['gated-silu', true, 'silu'],
  ['gated-relu', true, 'relu'],
];
const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

describe('T5 feed_forward_proj variants', () => {
  it.each(variants)('%s: encoder output equals the hand-computed FFN stack', async (proj, gated, act) => {
    const { dir, tensors } = write(proj, 7 + proj.length);
    const expected = reference(tensors, gated, acts[act], 2);
    for (const backend of backends) {
      const m = await loadLocal(dir, { backend });
      try {
        const out = runForward(m, { inputIds: [ids], decoderInputIds: [[0, 4]] }, { ops: m.ops, checkAbort() {} });
        const got = out.encoderLastHiddenState!;
        expect(got.dims).toEqual([1, ids.length, D]);
        expect(compareArrays(got.data, expected, { atol: 2e-5, rtol: 2e-4, nmse: 1e-9 }, `${proj} ${backend}`)).toBeUndefined();
      } finally {
        m.checkpoint.close();
      }
    }
  });

  it('"gated-gelu" is tanh GELU (gelu_new), "gelu" exact: the two differ', () => {
    const { tensors } = write('gated-gelu', 3);
    const a = reference(tensors, true, acts.gelu_new, 2);
    const b = reference(tensors, true, acts.gelu, 2);
    expect(compareArrays(a, b, { atol: 1e-7, rtol: 0 }, 'differ')).toBeDefined();
  });

  it.each([
    ['gated-mish', /activation "mish" is not supported/],
    ['gelu-gated', /not of the form "gated-ACT" or "ACT"/],
    ['gated-gelu-new', /not of the form/],
  ])('refuses %s with a CheckpointError', async (proj, msg) => {
    const dir = join(root, `bad-${proj}`);
    mkdirSync(dir, { recursive: true });
    const config = { architectures: ['T5ForConditionalGeneration'], ...tinyConfigs.T5ForConditionalGeneration };
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, feed_forward_proj: proj }));
    writeSafetensors(join(dir, 'model.safetensors'), tinyTensors(config), { format: 'pt' });
    const e = await loadLocal(dir, { backend: 'ts' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as Error).message).toMatch(msg);
    expect((e as Error).message).toContain('feed_forward_proj');
  });
});
