// writeSafetensors round trips through the reader, byte-for-byte deterministically; sharded
// checkpoints open through model.safetensors.index.json; onProgress ends at the total.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CheckpointError, DTypeError, ShapeError } from '../../lib/errors.js';
import { openCheckpoint } from '../../lib/io/checkpoint.js';
import { nativeMapFile } from '../../lib/io/filebytes.js';
import { decodeTensor, parseSafetensorsHeader } from '../../lib/io/safetensors.js';
import { writeSafetensors } from '../../lib/io/safetensors-writer.js';
import { Rng } from '../helpers/rng.js';
import { sparseCheckpoint } from './sparse.js';

const tmp = mkdtempSync(join(tmpdir(), 'attnscan-writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const rng = new Rng(7);
const f32 = (n: number) => rng.f32(n);
const u16 = (n: number) => Uint16Array.from({ length: n }, () => rng.int(0, 65535));

const tensors = {
  'a.weight': { dtype: 'F32' as const, dims: [3, 5], data: f32(15) },
  'b.half': { dtype: 'F16' as const, dims: [7], data: u16(7) },
  'c.bf': { dtype: 'BF16' as const, dims: [2, 3], data: u16(6) },
  'd.ids': { dtype: 'I64' as const, dims: [3], data: BigInt64Array.from([1n, -2n, 3n]) },
  'e.i32': { dtype: 'I32' as const, dims: [2], data: Int32Array.from([5, -6]) },
  'f.mask': { dtype: 'U8' as const, dims: [3], data: Uint8Array.from([1, 0, 1]) },
  'g.empty': { dtype: 'F32' as const, dims: [0, 4], data: new Float32Array(0) },
  scalar: { dtype: 'F32' as const, dims: [], data: Float32Array.from([2.5]) },
};

const modes = [false, ...(nativeMapFile() ? [true] : [])];

describe('writeSafetensors', () => {
  it('round trips every dtype and is deterministic', () => {
    const p1 = join(tmp, 'rt1.safetensors');
    const p2 = join(tmp, 'rt2.safetensors');
    writeSafetensors(p1, tensors, { format: 'pt' });
    writeSafetensors(p2, Object.fromEntries(Object.entries(tensors).reverse()), { format: 'pt' });
    const bytes = new Uint8Array(readFileSync(p1));
    expect(Buffer.compare(bytes, readFileSync(p2))).toBe(0);
    const header = parseSafetensorsHeader(bytes, bytes.length, p1);
    expect(header.metadata).toEqual({ format: 'pt' });
    expect(header.dataStart % 8).toBe(0);
    for (const [name, t] of Object.entries(tensors)) {
      const d = decodeTensor(bytes, header, name, p1);
      expect(d.dtype).toBe(t.dtype);
      expect(d.shape).toEqual(t.dims);
      const want = t.dtype === 'I64' ? Array.from(t.data as BigInt64Array, Number) : Array.from(t.data as Float32Array);
      expect(Array.from(d.data)).toEqual(want);
    }
  });

  it('refuses a data array of the wrong type or length', () => {
    const p = join(tmp, 'bad.safetensors');
    expect(() => writeSafetensors(p, { x: { dtype: 'F16', dims: [2], data: new Float32Array(2) } })).toThrow(DTypeError);
    expect(() => writeSafetensors(p, { x: { dtype: 'F32', dims: [3], data: new Float32Array(2) } })).toThrow(ShapeError);
  });
});

describe.each(modes)('checkpoints from the writer (mmap %s)', (mmap) => {
  it('opens a sharded checkpoint and reports progress up to the total', async () => {
    const dir = mkdtempSync(join(tmp, 'sharded-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ architectures: ['LlamaForCausalLM'], hidden_size: 4 }));
    const big = f32(1 << 16);
    writeSafetensors(join(dir, 'model-00001-of-00002.safetensors'), { 'x.weight': { dtype: 'F32', dims: [256, 256], data: big } });
    writeSafetensors(join(dir, 'model-00002-of-00002.safetensors'), {
      'y.weight': { dtype: 'BF16', dims: [6], data: u16(6) },
      'unlisted': { dtype: 'F32', dims: [1], data: f32(1) },
    });
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: { total_size: 0 }, weight_map: { 'x.weight': 'model-00001-of-00002.safetensors', 'y.weight': 'model-00002-of-00002.safetensors' } }),
    );
    const seen: [number, number][] = [];
    const ckpt = await openCheckpoint(dir, { mmap, onProgress: (a, b) => seen.push([a, b]) });
    expect(ckpt.generationConfig).toBeUndefined();
    expect(ckpt.names().sort()).toEqual(['x.weight', 'y.weight']);
    expect(Buffer.compare(new Uint8Array(ckpt.get('x.weight').data.buffer, ckpt.get('x.weight').data.byteOffset, big.byteLength), new Uint8Array(big.buffer))).toBe(0);
    expect(ckpt.get('y.weight').dtype).toBe('bf16');
    expect(ckpt.info('y.weight')).toMatchObject({ dtype: 'BF16', dims: [6] });
    expect(seen.length).toBeGreaterThan(0);
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThan(seen[i - 1][0]);
    expect(seen.every(([, t]) => t === ckpt.totalBytes)).toBe(true);
    expect(seen[seen.length - 1][0]).toBe(ckpt.totalBytes);
    expect(() => ckpt.get('unlisted')).toThrow(CheckpointError);
    ckpt.close();
    expect(() => ckpt.get('x.weight')).toThrow(/closed/);
  });
});

describe('the read path', () => {
  it('reads a 64 MiB checkpoint in chunks, reporting progress and leaving the event loop free', async () => {
    const dir = sparseCheckpoint(tmp, 64 * 1024 * 1024);
    const seen: number[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const ckpt = await openCheckpoint(dir, { mmap: false, onProgress: (n, total) => seen.push(n / total) });
    clearInterval(timer);
    expect(ckpt.mapped).toBe(false);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
    expect(seen[seen.length - 1]).toBe(1);
    expect(ticks).toBeGreaterThan(0);
    expect(ckpt.get('big').data.length).toBe(16 * 1024 * 1024);
  });
});
