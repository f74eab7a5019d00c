// mBART (BART's pre-LN member) on a tiny seeded checkpoint: one forward equals a reference written
// here with plain double loops from HF's MBart modeling (pre-LN sub-layers, final layer_norm per
// stack, layernorm_embedding, scale_embedding, positions at p + 2, tied head + final_logits_bias);
// the same reference in its post-LN form matches BART, and the two differ.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CheckpointError } from '../../lib/errors.js';
import { writeSafetensors } from '../../lib/io/safetensors-writer.js';
import { loadLocal, runForward } from '../../lib/models/local.js';
import { nativeLoaded } from '../helpers/backends.js';
import { compareArrays } from '../helpers/compare.js';
import { matvec, type RefTensor as T, refActs, refLayerNorm } from '../helpers/reference-math.js';
import { Rng } from '../helpers/rng.js';
import { tinyConfigs, tinyTensors } from '../helpers/tiny-checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'attnscan-mbart-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const encIds = [0, 17, 40, 8, 77, 2];
const decIds = [2, 250 % 96, 19, 4];
type Cfg = Record<string, unknown>;
type Rows = Float64Array[];

function reference(t: Record<string, T>, c: Cfg, preLn: boolean): { logits: Float32Array; enc: Float32Array } {
  const D = c.d_model as number;
  const eps = 1e-5;
  const ln = (x: Float64Array, name: string) => refLayerNorm(x, t[`${name}.weight`], t[`${name}.bias`], eps);
  const lin = (x: Float64Array, name: string) => matvec(t[`${name}.weight`], x, t[`${name}.bias`]);
  const scale = c.scale_embedding ? Math.sqrt(D) : 1;
  const embed = (stack: string, ids: number[]): Rows =>
    ids.map((id, s) => {
      const pos = t[`model.${stack}.embed_positions.weight`].data;
      const x = Float64Array.from({ length: D }, (_, i) => t['model.shared.weight'].data[id * D + i] * scale + pos[(s + 2) * D + i]);
      return ln(x, `model.${stack}.layernorm_embedding`);
    });
  function attn(p: string, xs: Rows, mem: Rows, heads: number, causal: boolean): Rows {
    const hd = D / heads;
    const q = xs.map((x) => lin(x, `${p}.q_proj`));
    const k = mem.map((x) => lin(x, `${p}.k_proj`));
    const v = mem.map((x) => lin(x, `${p}.v_proj`));
    return q.map((qi, i) => {
      const ctx = new Float64Array(D);
      for (let h = 0; h < heads; h++) {
        const n = causal ? i + 1 : k.length;
        const sc = Array.from({ length: n }, (_, j) => {
          let s = 0;
          for (let d = 0; d < hd; d++) s += qi[h * hd + d] * k[j][h * hd + d];
          return s / Math.sqrt(hd);
        });
        const m = Math.max(...sc);
        const e = sc.map((s) => Math.exp(s - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j < n; j++) for (let d = 0; d < hd; d++) ctx[h * hd + d] += (e[j] / z) * v[j][h * hd + d];
      }
      return lin(ctx, `${p}.out_proj`);
    });
  }
  const act = refActs[c.activation_function as string];
  function stack(name: 'encoder' | 'decoder', ids: number[], memory?: Rows): Rows {
    let x = embed(name, ids);
    const heads = c[`${name}_attention_heads`] as number;
    const subs = (l: string): [string, (h: Rows) => Rows][] => [
      [`${l}.self_attn_layer_norm`, (h) => attn(`${l}.self_attn`, h, h, heads, name === 'decoder')],
      ...(memory ? [[`${l}.encoder_attn_layer_norm`, (h: Rows) => attn(`${l}.encoder_attn`, h, memory, heads, false)] as [string, (h: Rows) => Rows]] : []),
      [`${l}.final_layer_norm`, (h) => h.map((r) => lin(lin(r, `${l}.fc1`).map(act), `${l}.fc2`))],
    ];
    for (let i = 0; i < (c[`${name}_layers`] as number); i++) {
      for (const [norm, f] of subs(`model.${name}.layers.${i}`)) {
        if (preLn) {
          const y = f(x.map((r) => ln(r, norm)));
          x = x.map((r, s) => r.map((v, d) => v + y[s][d]));
        } else {
          const y = f(x);
          x = x.map((r, s) => ln(r.map((v, d) => v + y[s][d]), norm));
        }
      }
    }
    return preLn ? x.map((r) => ln(r, `model.${name}.layer_norm`)) : x;
  }
  const enc = stack('encoder', encIds);
  const dec = stack('decoder', decIds, enc);
  const logits = Float32Array.from(dec.flatMap((r) => [...matvec(t['model.shared.weight'], r, t.final_logits_bias)]));
  return { logits, enc: Float32Array.from(enc.flatMap((r) => [...r])) };
}

function write(arch: string, seed: number): { dir: string; tensors: Record<string, T>; config: Cfg } {
  const config = { architectures: [arch], ...tinyConfigs.MBartForConditionalGeneration } as Cfg;
  const tensors = tinyTensors(config, { seed }) as Record<string, T>;
  tensors.final_logits_bias = { dtype: 'F32', data: new Rng(seed).f32(96, 0.5), dims: [1, 96] } as T;
  const dir = join(root, `${arch}-${seed}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeSafetensors(join(dir, 'model.safetensors'), tensors as never, { format: 'pt' });
  return { dir, tensors, config };
}

const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);
const tol = { atol: 1e-4, rtol: 1e-3, nmse: 1e-8 };

describe('mBART', () => {
  it.each([
    ['MBartForConditionalGeneration', true],
    ['BartForConditionalGeneration', false],
  ] as const)('%s forward equals the plain-loop reference', async (arch, preLn) => {
    const { dir, tensors, config } = write(arch, 11);
    const ref = reference(tensors, config, preLn);
    if (preLn) expect(compareArrays(reference(tensors, config, false).logits, ref.logits, tol, 'pre vs post')).toBeDefined();
    for (const backend of backends) {
      const m = await loadLocal(dir, { backend });
      try {
        const out = runForward(m, { inputIds: [encIds], decoderInputIds: [decIds] }, { ops: m.ops, checkAbort() {} });
        expect(out.logits!.dims).toEqual([1, decIds.length, 96]);
        expect(compareArrays(out.encoderLastHiddenState!.data, ref.enc, tol, `${arch} ${backend} encoder`)).toBeUndefined();
        expect(compareArrays(out.logits!.data, ref.logits, tol, `${arch} ${backend} logits`)).toBeUndefined();
      } finally {
        m.checkpoint.close();
      }
    }
  });

  it('a checkpoint without the final encoder layer_norm is refused, naming it', async () => {
    const { tensors, config } = write('MBartForConditionalGeneration', 5);
    delete tensors['model.encoder.layer_norm.weight'];
    const dir = join(root, 'no-final-norm');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    writeSafetensors(join(dir, 'model.safetensors'), tensors as never, { format: 'pt' });
    const e = await loadLocal(dir, { backend: 'ts' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as Error).message).toContain('model.encoder.layer_norm.weight');
  });
});
