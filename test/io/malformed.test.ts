// Malformed checkpoints: each gives a CheckpointError whose message names the file and the
// problem, on both the mmap and the read path; nothing crashes or hangs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CheckpointError } from '../../lib/errors.js';
import { openCheckpoint } from '../../lib/io/checkpoint.js';
import { nativeMapFile } from '../../lib/io/filebytes.js';
import { writeSafetensors } from '../../lib/io/safetensors-writer.js';

const tmp = mkdtempSync(join(tmpdir(), 'attnscan-malformed-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Raw file bytes: 8-byte length (the true one unless `len` is given), header text, data. */
function raw(header: unknown, data: number | Uint8Array, len?: number | bigint, padTo = 1): Buffer {
  let json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  json = Buffer.concat([json, Buffer.alloc((padTo - (json.length % padTo)) % padTo, 0x20)]);
  const n = Buffer.alloc(8);
  n.writeBigUInt64LE(BigInt(len ?? json.length));
  return Buffer.concat([n, json, typeof data === 'number' ? Buffer.alloc(data) : data]);
}

let nextDir = 0;
/** A checkpoint folder with a config.json and the given files (Buffer or text). */
function folder(files: Record<string, Buffer | string>, config: string | null = '{"architectures":["BertModel"]}'): string {
  const dir = join(tmp, `ckpt${nextDir++}`);
  mkdirSync(dir);
  if (config !== null) writeFileSync(join(dir, 'config.json'), config);
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
  return dir;
}

const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

const single = (bytes: Buffer) => folder({ 'model.safetensors': bytes });
const index = (map: Record<string, string>) => JSON.stringify({ metadata: {}, weight_map: map });
const good = raw({ a: f32([2], 0, 8) }, 8);

const cases: [string, () => string, RegExp][] = [
  ['an empty file', () => single(Buffer.alloc(0)), /model\.safetensors: file is 0 bytes, too short/],
  ['a file shorter than the length prefix', () => single(Buffer.alloc(5)), /file is 5 bytes, too short/],
  ['a truncated file', () => single(good.subarray(0, good.length - 3)), /'a': data_offsets \[0, 8\] run past the data block \(5 bytes\)/],
  ['a header past EOF', () => single(raw({ a: f32([2], 0, 8) }, 8, 4096)), /header length 4096 runs past the end of the file/],
  ['a huge header length', () => single(raw({}, 0, 2n ** 63n)), /exceeds the 104857600-byte limit/],
  ['a header length that lies short', () => single(raw({ a: f32([2], 0, 8) }, 8, 20)), /header is not valid UTF-8 JSON/],
  ['a header length that lies long', () => single(raw({ a: f32([2], 0, 8) }, 8, 40)), /header is not valid UTF-8 JSON/],
  ['a non-JSON header', () => single(raw('hello, world', 0)), /header is not valid UTF-8 JSON/],
  ['invalid UTF-8 in the header', () => single(raw(Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1'), 0)), /header is not valid UTF-8 JSON/],
  ['a header that is an array', () => single(raw([1, 2], 0)), /header is not a JSON object/],
  ['a non-string metadata value', () => single(raw({ __metadata__: { n: 1 } }, 0)), /__metadata__ entry 'n' is 1, not a string/],
  ['an unknown dtype', () => single(raw({ a: { dtype: 'F8', shape: [2], data_offsets: [0, 2] } }, 2)), /tensor 'a': unknown dtype "F8"/],
  ['a dtype named like an Object property', () => single(raw({ a: { dtype: 'constructor', shape: [1], data_offsets: [0, 1] } }, 1)), /unknown dtype "constructor"/],
  ['a negative dim', () => single(raw({ a: f32([-2], 0, 8) }, 8)), /shape \[-2\] is not a list of non-negative integers/],
  ['reversed data_offsets', () => single(raw({ a: f32([0], 8, 0) }, 8)), /data_offsets \[8,0\] is not \[begin, end\]/],
  ['a shape/byte-range mismatch', () => single(raw({ a: f32([3], 0, 8) }, 8)), /'a': shape \[3\] of F32 needs 12 bytes, data_offsets give 8/],
  ['overlapping ranges', () => single(raw({ a: f32([2], 0, 8), b: f32([2], 4, 12) }, 12)), /'a' \[0, 8\] and 'b' \[4, 12\] overlap/],
  ['a range past the data block', () => single(raw({ a: f32([2], 0, 8), b: f32([2], 8, 16) }, 12)), /'b': data_offsets \[8, 16\] run past the data block \(12 bytes\)/],
  ['a hole in the data block', () => single(raw({ a: f32([2], 0, 8), b: f32([2], 12, 20) }, 20)), /hole at bytes \[8, 12\) before tensor 'b'/],
  ['trailing bytes after the data', () => single(raw({ a: f32([2], 0, 8) }, 12)), /use 8 bytes of the 12-byte data block/],
  ['missing config.json', () => folder({ 'model.safetensors': good }, null), /config\.json: config\.json is missing/],
  ['malformed config.json', () => folder({ 'model.safetensors': good }, '{"a": 1,'), /config\.json: config\.json is not valid JSON/],
  ['config.json that is not an object', () => folder({ 'model.safetensors': good }, '[1]'), /config\.json is not a JSON object/],
  ['no weights at all', () => folder({}), /no model\.safetensors or model\.safetensors\.index\.json/],
  ['only pytorch_model.bin', () => folder({ 'pytorch_model.bin': 'x' }), /only pytorch_model\.bin is present/],
  ['an index that is not JSON', () => folder({ 'model.safetensors.index.json': '{' }), /model\.safetensors\.index\.json: the shard index is not valid JSON/],
  ['an index without weight_map', () => folder({ 'model.safetensors.index.json': '{"metadata":{}}' }), /weight_map is undefined, not an object/],
  ['a missing shard', () => folder({ 'model.safetensors.index.json': index({ a: 'model-00001-of-00001.safetensors' }) }), /shard .*model-00001-of-00001\.safetensors \(holding 'a'\) does not exist/],
  ['a shard path with ..', () => folder({ 'model.safetensors.index.json': index({ a: '../model.safetensors' }) }), /weight_map\['a'\] = '\.\.\/model\.safetensors' points outside the checkpoint folder/],
  ['a shard path through a folder and back out', () => folder({ 'sub/x': 'x', 'model.safetensors.index.json': index({ a: 'sub/../../x' }) }), /points outside the checkpoint folder/],
  ['an absolute shard path', () => folder({ 'model.safetensors.index.json': index({ a: '/etc/passwd' }) }), /weight_map\['a'\] = '\/etc\/passwd' points outside/],
  ['a non-string shard', () => folder({ 'model.safetensors.index.json': JSON.stringify({ weight_map: { a: 3 } }) }), /weight_map\['a'\] is 3, not a file name/],
  ['a mapped tensor missing from its shard', () => folder({ 's.safetensors': good, 'model.safetensors.index.json': index({ a: 's.safetensors', b: 's.safetensors' }) }), /tensor 'b' is mapped to .*s\.safetensors, which does not hold it/],
  ['a malformed shard', () => folder({ 's.safetensors': good.subarray(0, 12), 'model.safetensors.index.json': index({ a: 's.safetensors' }) }), /s\.safetensors: header length \d+ runs past the end/],
  ['a shard that is a folder', () => folder({ 'd/x': 'x', 'model.safetensors.index.json': index({ a: 'd' }) }), /shard .*d \(holding 'a'\) does not exist/],
];

const modes = [false, ...(nativeMapFile() ? [true] : [])];

describe.each(modes)('malformed checkpoints (mmap %s)', (mmap) => {
  it.each(cases)('%s', async (_, make, message) => {
    const dir = make();
    const err = await openCheckpoint(dir, { mmap }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).code).toBe('ERR_CHECKPOINT');
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(dir);
  });

  it('get() names the folder and tensor when a tensor is missing or not a float', async () => {
    const dir = folder({});
    writeSafetensors(join(dir, 'model.safetensors'), {
      w: { dtype: 'F32', dims: [2], data: new Float32Array(2) },
      'embeddings.position_ids': { dtype: 'I64', dims: [1, 2], data: BigInt64Array.from([0n, 1n]) },
    });
    const ckpt = await openCheckpoint(dir, { mmap });
    expect(() => ckpt.get('nope')).toThrow(CheckpointError);
    expect(() => ckpt.get('nope')).toThrow(new RegExp(`${dir}: no tensor named 'nope' in model\\.safetensors`));
    expect(() => ckpt.get('embeddings.position_ids')).toThrow(/tensor 'embeddings\.position_ids' has dtype I64; a weight must be F32, F16, BF16 or F64/);
    expect(ckpt.info('embeddings.position_ids')).toMatchObject({ dtype: 'I64', dims: [1, 2] });
  });

  it('copies weights whose offset is not aligned to their element size', async () => {
    // The header is padded so the data block starts 8-aligned; 'b' (1 byte) then puts 'a' and 'h' at odd offsets.
    const data = Buffer.alloc(1 + 8 + 4);
    data.writeUInt8(7, 0);
    data.writeFloatLE(1.5, 1);
    data.writeFloatLE(-2.25, 5);
    data.writeUInt16LE(0x3c00, 9);
    data.writeUInt16LE(0xc000, 11);
    const header = { b: { dtype: 'U8', shape: [1], data_offsets: [0, 1] }, a: f32([2], 1, 9), h: { dtype: 'F16', shape: [2], data_offsets: [9, 13] } };
    const dir = single(raw(header, data, undefined, 8));
    const ckpt = await openCheckpoint(dir, { mmap });
    expect(Array.from(ckpt.get('a').data)).toEqual([1.5, -2.25]);
    expect(Array.from(ckpt.get('h').data)).toEqual([0x3c00, 0xc000]);
  });
});
