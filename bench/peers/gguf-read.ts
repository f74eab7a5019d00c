// Reads back what gguf.ts writes (header, metadata, tensor infos), for its tests and for checking
// a cached file before the bench uses it. Independent of the writer's code paths: it walks the
// bytes with its own cursor and decodes every gguf_type, so a writer bug shows as a mismatch.
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufType } from './gguf.js';

export interface GgufTensorInfo {
  name: string;
  /** ggml order: innermost first. */
  ne: number[];
  type: number;
  /** Relative to dataStart. */
  offset: number;
}

export interface GgufFile {
  version: number;
  metadata: Map<string, { type: number; value: unknown }>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute file offset of the data section. */
  dataStart: number;
}

const typeNames = new Map<number, string>(Object.entries(GgufType).map(([k, v]) => [v, k]));

export function readGguf(bytes: Uint8Array): GgufFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n: number) => {
    if (at + n > bytes.length) throw new Error(`gguf: truncated at byte ${at} (need ${n} more of ${bytes.length})`);
    const p = at;
    at += n;
    return p;
  };
  const u64 = () => {
    const v = view.getBigUint64(need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`gguf: u64 ${v} too large`);
    return Number(v);
  };
  const u32 = () => view.getUint32(need(4), true);
  const str = () => {
    const n = u64();
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(need(n), at));
  };
  const scalar = (type: number): unknown => {
    switch (type) {
      case GgufType.u8: return view.getUint8(need(1));
      case GgufType.i8: return view.getInt8(need(1));
      case GgufType.u16: return view.getUint16(need(2), true);
      case GgufType.i16: return view.getInt16(need(2), true);
      case GgufType.u32: return u32();
      case GgufType.i32: return view.getInt32(need(4), true);
      case GgufType.f32: return view.getFloat32(need(4), true);
      case GgufType.bool: {
        const b = view.getUint8(need(1));
        if (b > 1) throw new Error(`gguf: bool byte ${b}`);
        return b === 1;
      }
      case GgufType.string: return str();
      case GgufType.u64: return u64();
      case GgufType.i64: return Number(view.getBigInt64(need(8), true));
      case GgufType.f64: return view.getFloat64(need(8), true);
      default: throw new Error(`gguf: unknown value type ${type} (${typeNames.get(type) ?? '?'})`);
    }
  };

  if (u32() !== GGUF_MAGIC) throw new Error('gguf: bad magic');
  const version = u32();
  const nTensors = u64();
  const nKv = u64();
  const metadata: GgufFile['metadata'] = new Map();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    if (metadata.has(key)) throw new Error(`gguf: duplicate key ${key}`);
    const type = u32();
    if (type === GgufType.array) {
      const of = u32();
      const n = u64();
      const items: unknown[] = new Array(n);
      for (let j = 0; j < n; j++) items[j] = scalar(of);
      metadata.set(key, { type, value: items });
    } else metadata.set(key, { type, value: scalar(type) });
  }
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const nd = u32();
    const ne = Array.from({ length: nd }, u64);
    tensors.push({ name, ne, type: u32(), offset: u64() });
  }
  const al = metadata.get('general.alignment');
  const alignment = al ? (al.value as number) : GGUF_DEFAULT_ALIGNMENT;
  const dataStart = at + ((alignment - (at % alignment)) % alignment);
  return { version, metadata, tensors, alignment, dataStart };
}
