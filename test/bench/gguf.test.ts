// The peer bench's GGUF writer (bench/peers/gguf.ts) read back by our own reader, the LLaMA RoPE
// row permutation, and — when node-llama-cpp is installed — llama.cpp loading a tiny converted
// LLaMA and Mamba and agreeing with attnscan on the next-token log-probabilities.
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { ensureCheckpoint, specs } from '../../bench/models/checkpoints.js';
import { checkAgreement } from '../../bench/peers/agree.js';
import { ensureGguf, permuteRope } from '../../bench/peers/convert.js';
import { GgmlType, GgufType, writeGguf } from '../../bench/peers/gguf.js';
import { readGguf } from '../../bench/peers/gguf-read.js';
import { importPeer } from '../../bench/peers/llamacpp.js';

const dir = mkdtempSync(join(tmpdir(), 'attnscan-gguf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GGUF writer', () => {
  it('round-trips header, metadata and tensor table, with every tensor aligned', () => {
    const path = join(dir, 'rt.gguf');
    const a = Float32Array.from({ length: 15 }, (_, i) => i - 7.5);
    const b = Uint16Array.from({ length: 7 }, (_, i) => 0x3c00 + i);
    writeGguf(path, {
      'general.architecture': { type: 'string', value: 'llama' },
      'general.alignment': { type: 'u32', value: 32 },
      'x.count': { type: 'u64', value: 2 ** 40 + 3 },
      'x.neg': { type: 'i32', value: -5 },
      'x.eps': { type: 'f32', value: 1e-5 },
      'x.flag': { type: 'bool', value: true },
      'x.words': { type: 'array', of: 'string', value: ['<unk>', '\u2581h\u00e9'] },
      'x.scores': { type: 'array', of: 'f32', value: [0, -1.5] },
      'x.types': { type: 'array', of: 'i32', value: [2, 1] },
    }, [
      { name: 'a', dims: [3, 5], dtype: 'F32', data: () => a },
      { name: 'b', dims: [7], dtype: 'F16', data: () => b },
      { name: 'c', dims: [2, 1, 4], dtype: 'F32', data: () => new Float32Array(8).fill(2) },
    ]);
    const bytes = readFileSync(path);
    const g = readGguf(bytes);
    expect(g.version).toBe(3);
    const m = Object.fromEntries([...g.metadata].map(([k, v]) => [k, v.value]));
    expect(m['general.architecture']).toBe('llama');
    expect(m['x.count']).toBe(2 ** 40 + 3);
    expect(m['x.neg']).toBe(-5);
    expect(m['x.eps']).toBeCloseTo(1e-5, 10);
    expect(m['x.flag']).toBe(true);
    expect(m['x.words']).toEqual(['<unk>', '\u2581h\u00e9']);
    expect(m['x.scores']).toEqual([0, -1.5]);
    expect(m['x.types']).toEqual([2, 1]);
    expect(g.metadata.get('x.count')!.type).toBe(GgufType.u64);
    expect(g.metadata.get('x.words')!.type).toBe(GgufType.array);
    expect(g.tensors.map((t) => [t.name, t.ne, t.type])).toEqual([
      ['a', [5, 3], GgmlType.F32], ['b', [7], GgmlType.F16], ['c', [4, 1, 2], GgmlType.F32],
    ]);
    expect(g.dataStart % 32).toBe(0);
    for (const t of g.tensors) expect(t.offset % 32).toBe(0);
    const at = (i: number) => g.dataStart + g.tensors[i].offset;
    expect(new Float32Array(bytes.buffer.slice(bytes.byteOffset + at(0), bytes.byteOffset + at(0) + 60))).toEqual(a);
    expect(new Uint16Array(bytes.buffer.slice(bytes.byteOffset + at(1), bytes.byteOffset + at(1) + 14))).toEqual(b);
    expect(statSync(path).size).toBe(at(2) + 32);
  });

  it('refuses data that does not match the declared shape and dtype', () => {
    const bad = () => writeGguf(join(dir, 'bad.gguf'), {}, [{ name: 'a', dims: [4], dtype: 'F16', data: () => new Float32Array(4) }]);
    expect(bad).toThrow(/needs 8 bytes in a Uint16Array/);
  });

  it('permutes q/k rows from rotate-half pairs (i, i + d/2) to interleaved pairs (2i, 2i + 1)', () => {
    // 2 heads of dim 4, one column: HF rows h*4 + [0, 1, 2, 3] -> GGUF [0, 2, 1, 3] per head.
    expect([...permuteRope(Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), 2, 1)]).toEqual([0, 2, 1, 3, 4, 6, 5, 7]);
    const w = Uint16Array.from({ length: 16 }, (_, i) => i);
    // dim 8, 2 columns: row order 0 4 1 5 2 6 3 7.
    expect([...permuteRope(w, 1, 2)]).toEqual([0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15]);
  });
});

const peer = await importPeer();

describe.skipIf(!peer.mod)(`llama.cpp on converted tiny checkpoints${peer.mod ? '' : ` (skipped: ${peer.reason})`}`, () => {
  const tiny = Object.fromEntries(specs(true).map((s) => [s.name, s]));

  it('loads a tiny LLaMA and gives attnscan\'s next-token log-probs; a wrong RoPE layout does not', async () => {
    const ck = ensureCheckpoint(dir, tiny['tiny-llama-f32']);
    const { path } = ensureGguf(ck.dir);
    const g = readGguf(readFileSync(path));
    expect(g.metadata.get('general.architecture')!.value).toBe('llama');
    expect((g.metadata.get('tokenizer.ggml.tokens')!.value as string[]).length).toBe(512);
    const ok = await checkAgreement(ck.dir, path, 512, 12, 1);
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
    expect(ok.top1.attnscan).toBe(ok.top1.peer);

    // Permuting the q/k rows a second time gives a layout llama.cpp's RoPE misreads.
    const wrong = join(dir, 'wrong-rope.gguf');
    copyFileSync(path, wrong);
    const fd = openSync(wrong, 'r+');
    const bytes = readFileSync(wrong);
    for (const t of g.tensors.filter((x) => /attn_[qk]\.weight$/.test(x.name))) {
      const start = bytes.byteOffset + g.dataStart + t.offset;
      const rows = new Float32Array(bytes.buffer.slice(start, start + t.ne[0] * t.ne[1] * 4));
      writeSync(fd, new Uint8Array(permuteRope(rows, 4, t.ne[0]).buffer), 0, rows.byteLength, g.dataStart + t.offset);
    }
    closeSync(fd);
    const bad = await checkAgreement(ck.dir, wrong, 512, 12, 1);
    expect(bad.ok, JSON.stringify(bad)).toBe(false);
  });

  it('loads a tiny Mamba (A = -exp(A_log), squeezed conv1d) and agrees with attnscan', async () => {
    const ck = ensureCheckpoint(dir, tiny['tiny-mamba-f32']);
    const { path } = ensureGguf(ck.dir);
    const ok = await checkAgreement(ck.dir, path, 512, 12, 1);
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
  });
});
