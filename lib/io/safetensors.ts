// safetensors: 8-byte little-endian header length N, N bytes of JSON, then the data block.
// Header entries: name -> { dtype, shape, data_offsets: [begin, end) relative to the data block },
// plus an optional "__metadata__" string map. Everything is validated before any tensor is read:
// header length against file size, JSON shape, known dtype, shape x dtype size = byte range,
// ranges inside the data block and not overlapping, and the data block entirely indexed (the
// format forbids holes and trailing bytes; a gap means a lying header or a truncated tensor list).
import { CheckpointError } from '../errors.js';

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const DTYPE_BYTES: Record<SafetensorsDType, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** Byte range inside the data block. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
  /** File offset of the data block (8 + header length). */
  dataStart: number;
}

const MAX_HEADER = 100 * 1024 * 1024;

/** Parses and validates a header. `prefix` holds at least the first 8 + N bytes of the file. */
export function parseSafetensorsHeader(prefix: Uint8Array, fileSize: number, file = '<buffer>'): SafetensorsHeader {
  const bad = (why: string) => new CheckpointError(`${file}: ${why}`);
  if (fileSize < 8 || prefix.length < 8) throw bad(`file is ${fileSize} bytes, too short for a safetensors header`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) throw bad(`header length ${n} exceeds the ${MAX_HEADER}-byte limit`);
  const headerLen = Number(n);
  if (8 + headerLen > fileSize) throw bad(`header length ${headerLen} runs past the end of the file (${fileSize} bytes)`);
  if (prefix.length < 8 + headerLen) throw bad(`header truncated: need ${8 + headerLen} bytes, have ${prefix.length}`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(prefix.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw bad(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw bad('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataSize = fileSize - dataStart;
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw bad(`__metadata__ entry '${k}' is ${JSON.stringify(v)}, not a string`);
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e === null || typeof e !== 'object') throw bad(`tensor '${name}': entry is not an object`);
    if (typeof e.dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, e.dtype)) {
      throw bad(`tensor '${name}': unknown dtype ${JSON.stringify(e.dtype)}`);
    }
    const dtype = e.dtype as SafetensorsDType;
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw bad(`tensor '${name}': shape ${JSON.stringify(e.shape)} is not a list of non-negative integers`);
    }
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isSafeInteger(o) && o >= 0) || off[0] > off[1]) {
      throw bad(`tensor '${name}': data_offsets ${JSON.stringify(off)} is not [begin, end] with 0 <= begin <= end`);
    }
    const shape = e.shape as number[];
    const count = shape.reduce((a, b) => a * b, 1);
    const bytes = count * DTYPE_BYTES[dtype];
    if (!Number.isSafeInteger(bytes)) throw bad(`tensor '${name}': shape [${shape.join(', ')}] is too large`);
    if (off[1] - off[0] !== bytes) {
      throw bad(`tensor '${name}': shape [${shape.join(', ')}] of ${dtype} needs ${bytes} bytes, data_offsets give ${off[1] - off[0]}`);
    }
    if (off[1] > dataSize) {
      throw bad(`tensor '${name}': data_offsets [${off[0]}, ${off[1]}] run past the data block (${dataSize} bytes)`);
    }
    tensors.set(name, { name, dtype, shape, begin: off[0], end: off[1] });
  }
  const sorted = [...tensors.values()].filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end) {
      throw bad(
        `tensors '${sorted[i - 1].name}' [${sorted[i - 1].begin}, ${sorted[i - 1].end}] and ` +
          `'${sorted[i].name}' [${sorted[i].begin}, ${sorted[i].end}] overlap in the data block`,
      );
    }
  }
  let used = 0;
  for (const t of sorted) {
    if (t.begin !== used) throw bad(`data block has a hole at bytes [${used}, ${t.begin}) before tensor '${t.name}'`);
    used = t.end;
  }
  if (used !== dataSize) {
    throw bad(`tensors use ${used} bytes of the ${dataSize}-byte data block (expected the whole block: file has trailing bytes)`);
  }
  return { tensors, metadata, dataStart };
}

export type DecodedTensor =
  | { dtype: 'F32' | 'F64'; shape: number[]; data: Float32Array }
  | { dtype: 'F16' | 'BF16'; shape: number[]; data: Uint16Array }
  | { dtype: 'I64' | 'I32' | 'I16' | 'I8'; shape: number[]; data: Int32Array }
  | { dtype: 'U8' | 'BOOL'; shape: number[]; data: Uint8Array };

/**
 * Copies one tensor out of the file bytes into an aligned typed array: F32/F64 -> Float32Array,
 * F16/BF16 -> Uint16Array of raw bits, integers -> Int32Array (I64 must fit in 32 bits),
 * U8/BOOL -> Uint8Array.
 */
export function decodeTensor(file: Uint8Array, header: SafetensorsHeader, name: string, fileName = '<buffer>'): DecodedTensor {
  const e = header.tensors.get(name);
  if (!e) throw new CheckpointError(`${fileName}: no tensor named '${name}'`);
  const bytes = file.subarray(header.dataStart + e.begin, header.dataStart + e.end);
  const copy = new Uint8Array(bytes); // aligned copy
  const dv = new DataView(copy.buffer);
  const count = e.shape.reduce((a, b) => a * b, 1);
  switch (e.dtype) {
    case 'F32':
      return { dtype: 'F32', shape: e.shape, data: new Float32Array(copy.buffer) };
    case 'F64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(i * 8, true);
      return { dtype: 'F64', shape: e.shape, data: out };
    }
    case 'F16':
    case 'BF16':
      return { dtype: e.dtype, shape: e.shape, data: new Uint16Array(copy.buffer) };
    case 'I64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = dv.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n) {
          throw new CheckpointError(`${fileName}: tensor '${name}' holds ${v}, outside the int32 range`);
        }
        out[i] = Number(v);
      }
      return { dtype: 'I64', shape: e.shape, data: out };
    }
    case 'I32':
      return { dtype: 'I32', shape: e.shape, data: new Int32Array(copy.buffer) };
    case 'I16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getInt16(i * 2, true);
      return { dtype: 'I16', shape: e.shape, data: out };
    }
    case 'I8':
      return { dtype: 'I8', shape: e.shape, data: Int32Array.from(new Int8Array(copy.buffer)) };
    case 'U8':
    case 'BOOL':
      return { dtype: e.dtype, shape: e.shape, data: copy };
  }
}
