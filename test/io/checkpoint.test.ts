// Every fixture checkpoint opens on both paths (mmap through the addon, read into a Buffer) and
// every stored tensor matches the manifest's dtype, shape and checksums.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { nativeMapFile } from '../../lib/io/filebytes.js';
import { openCheckpoint, type Weight } from '../../lib/io/checkpoint.js';
import { fixturesDir } from '../helpers/fixtures.js';

const modelsDir = join(fixturesDir, 'models');
const models = readdirSync(modelsDir).sort();

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function bf16ToFloat(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}

export function weightValues(w: Weight): Float64Array {
  const out = new Float64Array(w.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = w.data[i];
    out[i] = w.dtype === 'f32' ? v : w.dtype === 'f16' ? halfToFloat(v) : bf16ToFloat(v);
  }
  return out;
}

const DTYPE = { float32: 'f32', float16: 'f16', bfloat16: 'bf16' } as Record<string, string>;

interface StoredTensor { dtype: string; shape: number[]; sum: number; abs_sum: number; first: number }

const paths = [
  { mmap: false, label: 'read' },
  ...(nativeMapFile() ? [{ mmap: true, label: 'mmap' }] : []),
];

describe.each(paths)('fixture checkpoints ($label)', ({ mmap }) => {
  it.each(models)('%s: every tensor matches the manifest', async (model) => {
    const dir = join(modelsDir, model);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const stored: Record<string, StoredTensor> = manifest.checkpoint.tensors;
    const ckpt = await openCheckpoint(dir, { mmap });
    expect(ckpt.mapped).toBe(mmap);
    expect(ckpt.config.architectures).toEqual([manifest.model_class]);
    expect(ckpt.names().sort()).toEqual(Object.keys(stored).sort());
    for (const [name, t] of Object.entries(stored)) {
      const w = ckpt.get(name);
      expect(w.dtype, name).toBe(DTYPE[t.dtype]);
      expect(w.dims, name).toEqual(t.shape);
      const v = weightValues(w);
      let sum = 0;
      let abs = 0;
      for (const x of v) {
        sum += x;
        abs += Math.abs(x);
      }
      const tol = 1e-6 * t.abs_sum + 1e-9;
      expect(Math.abs(sum - t.sum), `${model} ${name} sum`).toBeLessThanOrEqual(tol);
      expect(Math.abs(abs - t.abs_sum), `${model} ${name} abs_sum`).toBeLessThanOrEqual(tol);
      expect(v[0], `${model} ${name} first`).toBeCloseTo(t.first, 6);
    }
    for (const tied of manifest.checkpoint.tied_weights_not_stored ?? []) expect(ckpt.has(tied)).toBe(false);
    ckpt.close();
  });
});
