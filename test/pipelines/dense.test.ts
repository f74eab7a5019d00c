// sentence-transformers Dense modules in feature-extraction: mean pooling → 2_Dense (Tanh, bias,
// f32) → 3_Dense (Identity, no bias, f16 weights) → Normalize, checked against the same steps done
// by hand on model.forward; then the refusals, each naming the file at fault.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CheckpointError, ShapeError } from '../../lib/errors.js';
import { writeSafetensors, type WritableTensor } from '../../lib/io/safetensors-writer.js';
import { f16ToF32, f32ToF16 } from '../../lib/kernels/half.js';
import { pipeline } from '../../lib/pipelines/index.js';
import { nativeLoaded } from '../helpers/backends.js';
import { fixtureWithTokenizer } from '../helpers/pipeline-fixtures.js';
import { matvec } from '../helpers/reference-math.js';
import { Rng } from '../helpers/rng.js';

const tmp = mkdtempSync(join(tmpdir(), 'attnscan-dense-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const H = 64;
const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);
type DenseSpec = { path: string; inF: number; outF: number; bias: boolean; act: string; dtype: 'F32' | 'F16'; weights?: 'bin' | 'none' };

function module(dir: string, d: DenseSpec, rng: Rng): { w: Float32Array; b?: Float32Array } {
  const folder = join(dir, d.path);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'config.json'), JSON.stringify({ in_features: d.inF, out_features: d.outF, bias: d.bias, activation_function: d.act }));
  let w = rng.f32(d.outF * d.inF, 0.3);
  const b = d.bias ? rng.f32(d.outF, 0.3) : undefined;
  const tensors: Record<string, WritableTensor> = {};
  if (d.dtype === 'F16') {
    const bits = Uint16Array.from(w, f32ToF16);
    w = Float32Array.from(bits, f16ToF32);
    tensors['linear.weight'] = { dtype: 'F16', dims: [d.outF, d.inF], data: bits };
  } else {
    tensors['linear.weight'] = { dtype: 'F32', dims: [d.outF, d.inF], data: w };
  }
  if (b) tensors['linear.bias'] = { dtype: 'F32', dims: [d.outF], data: b };
  if (d.weights === 'bin') writeFileSync(join(folder, 'pytorch_model.bin'), 'not read');
  else if (d.weights !== 'none') writeSafetensors(join(folder, 'model.safetensors'), tensors);
  return { w, b };
}

function stDir(name: string, dense: DenseSpec[], opts: { denseFirst?: boolean } = {}) {
  const dir = fixtureWithTokenizer(tmp, 'bert');
  const rng = new Rng(name.length + 3);
  const pooling = { idx: 1, path: '1_Pooling', type: 'sentence_transformers.models.Pooling' };
  const denseMods = dense.map((d, i) => ({ idx: 2 + i, path: d.path, type: 'sentence_transformers.models.Dense' }));
  const modules = [
    { idx: 0, path: '', type: 'sentence_transformers.models.Transformer' },
    ...(opts.denseFirst ? [...denseMods, pooling] : [pooling, ...denseMods]),
    { idx: 9, path: '9_Normalize', type: 'sentence_transformers.models.Normalize' },
  ];
  writeFileSync(join(dir, 'modules.json'), JSON.stringify(modules));
  mkdirSync(join(dir, '1_Pooling'));
  writeFileSync(join(dir, '1_Pooling', 'config.json'), JSON.stringify({ word_embedding_dimension: H, pooling_mode_mean_tokens: true }));
  return { dir, weights: dense.map((d) => module(dir, d, rng)) };
}

const tanhDense: DenseSpec = { path: '2_Dense', inF: H, outF: 16, bias: true, act: 'torch.nn.modules.activation.Tanh', dtype: 'F32' };
const idDense: DenseSpec = { path: '3_Dense', inF: 16, outF: 8, bias: false, act: 'torch.nn.modules.linear.Identity', dtype: 'F16' };

describe('feature-extraction with Dense modules', () => {
  it.each(backends)('mean → Dense(Tanh) → Dense(Identity, f16) → Normalize equals the hand computation (%s)', async (backend) => {
    const { dir, weights } = stDir(`ok-${backend}`, [tanhDense, idDense]);
    const fe = await pipeline('feature-extraction', dir, { backend });
    try {
      const texts = ['hello world', 'x'];
      const got = await fe(texts);
      expect(got.dims).toEqual([2, 8]);
      for (const [r, text] of texts.entries()) {
        const ids = fe.tokenizer.encode(text);
        const { lastHiddenState } = await fe.model.forward({ inputIds: [ids] });
        const mean = new Float64Array(H);
        for (let t = 0; t < ids.length; t++) for (let i = 0; i < H; i++) mean[i] += lastHiddenState!.data[t * H + i] / ids.length;
        const a = matvec({ data: weights[0].w, dims: [16, H] }, mean, { data: weights[0].b!, dims: [16] }).map(Math.tanh);
        const y = matvec({ data: weights[1].w, dims: [8, 16] }, a);
        const n = Math.hypot(...y);
        for (let k = 0; k < 8; k++) expect(got.data[r * 8 + k]).toBeCloseTo(y[k] / n, 5);
      }
      const raw = await fe(texts, { normalize: false });
      expect(Math.hypot(...raw.data.subarray(0, 8))).not.toBeCloseTo(1, 3);
      await expect(fe(texts, { pooling: ['mean', 'max'] })).rejects.toThrow(ShapeError);
      await expect(fe(texts, { pooling: ['mean', 'max'] })).rejects.toThrow(/2_Dense: the Dense module takes 64 features, the pooled embedding has 128/);
      expect((await fe(texts, { pooling: 'none' })).dims[2]).toBe(H);
    } finally {
      await fe.dispose();
    }
  });

  it.each([
    ['an unknown activation', [{ ...tanhDense, act: 'torch.nn.modules.activation.GELU' }], {}, /2_Dense\/config\.json: activation_function "torch\.nn\.modules\.activation\.GELU" is not supported/],
    ['pickled weights', [{ ...tanhDense, weights: 'bin' }], {}, /2_Dense\/pytorch_model\.bin: Dense weights in PyTorch pickle format are not read/],
    ['no weights', [{ ...tanhDense, weights: 'none' }], {}, /2_Dense\/model\.safetensors: missing/],
    ['a bad in_features', [{ ...tanhDense, inF: 0 }], {}, /2_Dense\/config\.json: in_features must be a positive integer/],
    ['a Dense before Pooling', [tanhDense], { denseFirst: true }, /modules\.json: the Dense module 2_Dense must come after Pooling/],
  ] as const)('refuses %s with a CheckpointError naming the file', async (name, dense, opts, msg) => {
    const { dir } = stDir(name, dense as unknown as DenseSpec[], opts);
    const e = await pipeline('feature-extraction', dir, { backend: 'ts' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as Error).message).toMatch(msg);
  });

  it('refuses weights whose shape disagrees with config.json', async () => {
    const { dir } = stDir('shape', [tanhDense]);
    writeFileSync(join(dir, '2_Dense', 'config.json'), JSON.stringify({ in_features: H, out_features: 12, bias: true, activation_function: 'torch.nn.modules.activation.Tanh' }));
    await expect(pipeline('feature-extraction', dir, { backend: 'ts' })).rejects.toThrow(/2_Dense\/model\.safetensors: linear\.weight has shape \[16, 64\], expected \[12, 64\]/);
  });
});
