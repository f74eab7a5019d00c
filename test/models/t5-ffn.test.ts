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
import { matvec, type RefTensor as T, refActs as acts, refRmsNorm } from '../helpers/reference-math.js';
import { tinyConfigs, tinyTensors } from '../helpers/tiny-checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'attnscan-t5ffn-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const D = 32;
const FF = 48;
const ids = [5, 17, 40, 8, 77];

function reference(t: Record<string, T>, gated: boolean, act: (x: number) => number, layers: number): Float32Array {
  const out = new Float32Array(ids.length * D);
  ids.forEach((id, s) => {
    const x = Float64Array.from(t['shared.weight'].data.subarray(id * D, (id + 1) * D));
    for (let l = 0; l < layers; l++) {
      const p = `encoder.block.${l}.layer.1`;
      const h = refRmsNorm(x, t[`${p}.layer_norm.weight`], 1e-6);
      const d = `${p}.DenseReluDense`;
      let inner: Float64Array;
      if (gated) {
        const up = matvec(t[`${d}.wi_1.weight`], h);
        inner = matvec(t[`${d}.wi_0.weight`], h).map((g, i) => act(g) * up[i]);
      } else {
        inner = matvec(t[`${d}.wi.weight`], h).map(act);
      }
      matvec(t[`${d}.wo.weight`], inner).forEach((v, i) => (x[i] += v));
    }
    out.set(refRmsNorm(x, t['encoder.final_layer_norm.weight'], 1e-6), s * D);
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
    expect((e as Error).message).toContain(`${dir}/config.json: config.feed_forward_proj "${proj}"`);
  });
});
