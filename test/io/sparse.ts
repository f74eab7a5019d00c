// Test checkpoints of a given size without writing their bytes: the data block is a hole.
import { closeSync, ftruncateSync, mkdtempSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A checkpoint whose one F32 tensor of `bytes` bytes is a hole in a sparse file (reads as 0). */
export function sparseCheckpoint(tmp: string, bytes: number): string {
  const dir = mkdtempSync(join(tmp, 'sparse-'));
  writeFileSync(join(dir, 'config.json'), '{}');
  let json = Buffer.from(JSON.stringify({ big: { dtype: 'F32', shape: [bytes / 4], data_offsets: [0, bytes] } }));
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const fd = openSync(join(dir, 'model.safetensors'), 'w');
  writeSync(fd, Buffer.concat([len, json]));
  ftruncateSync(fd, 8 + json.length + bytes);
  closeSync(fd);
  return dir;
}
