// A minimal GGUF v3 writer (ggml docs/gguf.md): little-endian header "GGUF", version 3, tensor
// count and metadata count (u64), the typed key/value metadata, one info record per tensor (name,
// ne[] innermost first, ggml type, data offset), zero padding to `general.alignment` (32), then
// every tensor's data, each padded to the alignment. Only what the peer bench needs: scalar,
// string and array values; F32 and F16 tensors.
// Tensors are given in numpy / HF order (dims outermost first, row-major); GGUF stores the same
// bytes with ne reversed, so no data moves. Data is produced one tensor at a time (`data()`), so a
// 500 MB checkpoint never needs a second full copy in memory.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** gguf_type codes of the metadata values. */
export const GgufType = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 } as const;
/** ggml_type codes of the tensors written here. */
export const GgmlType = { F32: 0, F16: 1 } as const;

export type GgufScalarType = 'u32' | 'i32' | 'u64' | 'f32';
export type GgufValue =
  | { type: GgufScalarType; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; of: 'string'; value: readonly string[] }
  | { type: 'array'; of: 'f32' | 'i32'; value: ArrayLike<number> };

export interface GgufTensor {
  name: string;
  /** Outermost first (numpy order): an HF Linear weight is [out, in]. */
  dims: number[];
  dtype: keyof typeof GgmlType;
  data: () => Float32Array | Uint16Array;
}

/** Growable little-endian byte sink for the header. */
class Sink {
  private buf = Buffer.alloc(1 << 16);
  length = 0;
  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  // room() may replace the buffer, so it runs before `this.buf` is read.
  u32(v: number): void { const at = this.room(4); this.buf.writeUInt32LE(v, at); }
  i32(v: number): void { const at = this.room(4); this.buf.writeInt32LE(v, at); }
  f32(v: number): void { const at = this.room(4); this.buf.writeFloatLE(v, at); }
  u64(v: number): void { const at = this.room(8); this.buf.writeBigUInt64LE(BigInt(v), at); }
  u8(v: number): void { const at = this.room(1); this.buf.writeUInt8(v, at); }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    const at = this.room(b.length);
    b.copy(this.buf, at);
  }
  pad(alignment: number): void { this.room((alignment - (this.length % alignment)) % alignment); }
  bytes(): Buffer { return this.buf.subarray(0, this.length); }
}

function writeValue(s: Sink, key: string, v: GgufValue): void {
  s.str(key);
  s.u32(GgufType[v.type]);
  switch (v.type) {
    case 'u32': return s.u32(v.value);
    case 'i32': return s.i32(v.value);
    case 'u64': return s.u64(v.value);
    case 'f32': return s.f32(v.value);
    case 'bool': return s.u8(v.value ? 1 : 0);
    case 'string': return s.str(v.value);
    case 'array':
      s.u32(GgufType[v.of]);
      s.u64(v.value.length);
      if (v.of === 'string') for (const x of v.value) s.str(x);
      else for (let i = 0; i < v.value.length; i++) (v.of === 'f32' ? s.f32(v.value[i]) : s.i32(v.value[i]));
  }
}

const ELEMENT_BYTES: Record<GgufTensor['dtype'], number> = { F32: 4, F16: 2 };

export function tensorBytes(t: Pick<GgufTensor, 'dims' | 'dtype'>): number {
  return t.dims.reduce((a, b) => a * b, 1) * ELEMENT_BYTES[t.dtype];
}

/** Writes `path` atomically (temp file + rename); `general.alignment` in metadata overrides 32. */
export function writeGguf(path: string, metadata: Record<string, GgufValue>, tensors: GgufTensor[]): void {
  const alignMeta = metadata['general.alignment'];
  const alignment = alignMeta?.type === 'u32' ? alignMeta.value : GGUF_DEFAULT_ALIGNMENT;
  if (alignment <= 0 || alignment % 8 !== 0) throw new Error(`gguf: alignment ${alignment} must be a positive multiple of 8`);
  const head = new Sink();
  head.u32(GGUF_MAGIC);
  head.u32(GGUF_VERSION);
  head.u64(tensors.length);
  head.u64(Object.keys(metadata).length);
  for (const [k, v] of Object.entries(metadata)) writeValue(head, k, v);
  let offset = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new Error(`gguf: duplicate tensor name ${t.name}`);
    seen.add(t.name);
    head.str(t.name);
    head.u32(t.dims.length);
    for (const d of [...t.dims].reverse()) head.u64(d);
    head.u32(GgmlType[t.dtype]);
    head.u64(offset);
    offset += tensorBytes(t);
    offset += (alignment - (offset % alignment)) % alignment;
  }
  head.pad(alignment);

  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, head.bytes());
    const zeros = new Uint8Array(alignment);
    for (const t of tensors) {
      const d = t.data();
      const want = tensorBytes(t);
      const wantClass = t.dtype === 'F32' ? Float32Array : Uint16Array;
      if (!(d instanceof wantClass) || d.byteLength !== want) {
        throw new Error(`gguf: tensor ${t.name} [${t.dims.join(', ')}] ${t.dtype} needs ${want} bytes in a ${wantClass.name}, got ${d.byteLength} in a ${d.constructor.name}`);
      }
      writeAll(fd, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      writeAll(fd, zeros.subarray(0, (alignment - (want % alignment)) % alignment));
    }
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let pos = 0; pos < bytes.length; ) pos += writeSync(fd, bytes, pos, Math.min(1 << 30, bytes.length - pos));
}
