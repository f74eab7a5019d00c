// A deterministic safetensors writer for tests and benchmarks: the same tensors give the same
// bytes. Tensors are laid out by element size (largest first) then name, so every tensor starts
// aligned to its element size; the header is padded with spaces to a multiple of 8 bytes, as the
// reference implementation does. Data is written tensor by tensor (no concatenated copy), so
// multi-GiB benchmark checkpoints need no more memory than their largest tensor.
import { closeSync, openSync, writeSync } from 'node:fs';

import { DTypeError, ShapeError } from '../errors.js';

export type WritableDType = 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8';

export interface WritableTensor {
  dtype: WritableDType;
  dims: number[];
  data: Float32Array | Uint16Array | Int32Array | Uint8Array | BigInt64Array;
}

type ArrayClass = new (n: number) => WritableTensor['data'];

const LAYOUT: Record<WritableDType, { bytes: number; array: ArrayClass }> = {
  F32: { bytes: 4, array: Float32Array },
  F16: { bytes: 2, array: Uint16Array },
  BF16: { bytes: 2, array: Uint16Array },
  I64: { bytes: 8, array: BigInt64Array },
  I32: { bytes: 4, array: Int32Array },
  U8: { bytes: 1, array: Uint8Array },
};

export function writeSafetensors(path: string, tensors: Record<string, WritableTensor>, metadata?: Record<string, string>): void {
  const size = (n: string) => (Object.hasOwn(LAYOUT, tensors[n].dtype) ? LAYOUT[tensors[n].dtype].bytes : 0);
  const names = Object.keys(tensors).sort((a, b) => {
    const d = size(b) - size(a);
    return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const layout = Object.hasOwn(LAYOUT, t.dtype) ? LAYOUT[t.dtype] : undefined;
    if (!layout) throw new DTypeError(`writeSafetensors: tensor '${name}' has unknown dtype ${JSON.stringify(t.dtype)}`);
    if (!(t.data instanceof layout.array)) {
      throw new DTypeError(`writeSafetensors: tensor '${name}' is ${t.dtype}, so its data must be a ${layout.array.name}, got ${t.data?.constructor?.name}`);
    }
    if (!Array.isArray(t.dims) || t.dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new ShapeError(`writeSafetensors: tensor '${name}' has dims ${JSON.stringify(t.dims)}`);
    }
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (t.data.length !== count) {
      throw new ShapeError(`writeSafetensors: tensor '${name}' dims [${t.dims.join(', ')}] need ${count} elements, data has ${t.data.length}`);
    }
    header[name] = { dtype: t.dtype, shape: t.dims, data_offsets: [offset, offset + count * layout.bytes] };
    offset += count * layout.bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));

  const fd = openSync(path, 'w');
  try {
    writeAll(fd, len);
    writeAll(fd, json);
    for (const name of names) {
      const d = tensors[name].data;
      writeAll(fd, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    }
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  const step = 1 << 30;
  for (let pos = 0; pos < bytes.length; ) {
    pos += writeSync(fd, bytes, pos, Math.min(step, bytes.length - pos));
  }
}
