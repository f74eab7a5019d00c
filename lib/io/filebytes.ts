// The bytes of a safetensors file, two ways. mapped: the addon's mapFile() gives an ArrayBuffer
// backed by mmap, so a multi-GiB checkpoint costs no JS heap and pages in on first touch. read:
// the TS backend (or no addon) reads the file into one SharedArrayBuffer in chunks, awaiting between them
// so the event loop keeps running. Either way the header is read and validated before the data.
import { open } from 'node:fs/promises';

import { loadNative } from '../backend/native.js';
import { CheckpointError, OutOfMemoryError } from '../errors.js';
import { parseSafetensorsHeader, type SafetensorsHeader } from './safetensors.js';

export interface FileBytes {
  file: string;
  header: SafetensorsHeader;
  /** The whole file: [0, 8 + header) is the header, then the data block. */
  bytes: Uint8Array;
  mapped: boolean;
}

const CHUNK = 16 * 1024 * 1024;

/** 'mmap': the page cache's pages; 'hugepages': a private copy in 2 MiB pages (faster to stream, not shared). */
export type MapMode = 'mmap' | 'hugepages';
type MapFile = (path: string, mode?: MapMode) => ArrayBuffer;

/** The addon's mapFile, or undefined when the addon is absent or predates it. */
export function nativeMapFile(): MapFile | undefined {
  const fn = loadNative().addon?.mapFile;
  return typeof fn === 'function' ? (fn as MapFile) : undefined;
}

function ioError(file: string, e: unknown): CheckpointError {
  const err = e as NodeJS.ErrnoException;
  const code = err?.code ? `${err.code}: ` : '';
  return new CheckpointError(`${file}: cannot read (${code}${err?.message ?? String(e)})`, { cause: e });
}

/** Reads 8 + N header bytes and validates the header without reading the data block. */
async function readHeader(file: string): Promise<{ header: SafetensorsHeader; size: number; prefix: Uint8Array }> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw ioError(file, e);
  }
  try {
    const size = (await fh.stat()).size;
    const lenBytes = new Uint8Array(8);
    await fh.read(lenBytes, 0, Math.min(8, size), 0);
    const n = new DataView(lenBytes.buffer).getBigUint64(0, true);
    // parseSafetensorsHeader rejects a length past EOF; read only what the file holds.
    const want = size < 8 ? size : Number(n > BigInt(size) ? BigInt(size) : n) + 8;
    const prefix = new Uint8Array(Math.min(want, size));
    if (prefix.length > 0) await fh.read(prefix, 0, prefix.length, 0);
    return { header: parseSafetensorsHeader(prefix, size, file), size, prefix };
  } finally {
    await fh.close();
  }
}

/**
 * Reads the whole file into a SharedArrayBuffer (offset 0, so views align). Shared, because a
 * typed array posted to a worker thread clones its whole buffer — the whole checkpoint — unless
 * that buffer is shared; this way weights reach TS workers without a copy.
 */
export async function readFileBytes(file: string, onChunk: (n: number) => void): Promise<FileBytes> {
  const { header, size, prefix } = await readHeader(file);
  let buf: Uint8Array;
  try {
    buf = new Uint8Array(new SharedArrayBuffer(size));
  } catch (e) {
    throw new OutOfMemoryError(`${file}: cannot allocate ${size} bytes to read the checkpoint (${(e as Error).message})`, { cause: e });
  }
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw ioError(file, e);
  }
  try {
    for (let pos = 0; pos < size; ) {
      const len = Math.min(CHUNK, size - pos);
      const { bytesRead } = await fh.read(buf, pos, len, pos);
      if (bytesRead === 0) throw new CheckpointError(`${file}: file shrank while reading (got ${pos} of ${size} bytes)`);
      pos += bytesRead;
      onChunk(bytesRead);
    }
  } catch (e) {
    throw e instanceof CheckpointError ? e : ioError(file, e);
  } finally {
    await fh.close();
  }
  // The header was validated before the data was read: make sure it is still the same file.
  if (Buffer.compare(prefix, buf.subarray(0, prefix.length)) !== 0) {
    throw new CheckpointError(`${file}: file changed while it was being read`);
  }
  return { file, header, bytes: buf, mapped: false };
}

/**
 * Maps the file read-only-for-the-file (copy-on-write: a write into a weight view changes a
 * private page, never the file) and validates the header in place. The mapping lives until the
 * last view onto it is garbage collected. Undefined when the runtime cannot wrap a mapping in an
 * ArrayBuffer. A file truncated by another process after mapping
 * would fault on access (SIGBUS), as with any mmap reader.
 */
export function mapFileBytes(file: string, mapFile: MapFile, mode: MapMode = 'mmap'): FileBytes | undefined {
  let ab: ArrayBuffer;
  try {
    ab = mapFile(file, mode);
  } catch (e) {
    // A runtime with a V8 sandbox refuses external buffers: the caller reads the file instead.
    if ((e as NodeJS.ErrnoException)?.code === 'ERR_NO_EXTERNAL_BUFFERS') return undefined;
    throw ioError(file, e);
  }
  const bytes = new Uint8Array(ab);
  const header = parseSafetensorsHeader(bytes, bytes.length, file);
  return { file, header, bytes, mapped: true };
}
