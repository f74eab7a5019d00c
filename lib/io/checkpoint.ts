// A Hugging Face checkpoint folder: config.json (HF snake_case, as parsed), the optional
// generation_config.json, and the weights from model.safetensors or from the shards named by
// model.safetensors.index.json ({ weight_map: tensor name -> shard file }). Every file is
// validated when opened (lib/io/safetensors.ts); get() is then a view, not a read.
//
// Weights are views onto the file bytes (the mmap'd file, or the Buffer it was read into) when
// their offset is aligned to the element size, which is the norm (safetensors pads the header to
// 8 bytes and writers sort tensors by alignment); otherwise get() copies. F64 is converted to f32.
// Host byte order is assumed little-endian, as the format is (x86-64, arm64).
//
// Worker threads: read-path weights sit in one SharedArrayBuffer, so posting them to a worker
// shares them. A mapped weight posted to a worker is cloned together with its whole mapping (the
// whole file): a worker should call openCheckpoint itself — mapping the same file again shares
// the page cache, so it costs no memory.
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

import { CheckpointError, DisposedError } from '../errors.js';
import { type FileBytes, mapFileBytes, nativeMapFile, readFileBytes } from './filebytes.js';
import type { SafetensorsDType } from './safetensors.js';

export type WeightDType = 'f32' | 'f16' | 'bf16';

export interface Weight {
  name: string;
  dtype: WeightDType;
  dims: number[];
  /** f32 values, or f16/bf16 raw bits. */
  data: Float32Array | Uint16Array;
}

/** What the header says about a tensor, without touching its data. */
export interface WeightInfo {
  name: string;
  dtype: SafetensorsDType;
  dims: number[];
  file: string;
}

export interface Checkpoint {
  readonly dir: string;
  /** config.json as parsed (HF snake_case). */
  readonly config: Record<string, unknown>;
  /** generation_config.json when present. */
  readonly generationConfig?: Record<string, unknown>;
  names(): string[];
  has(name: string): boolean;
  /** Throws CheckpointError naming the folder, file and tensor when it is missing or not a float. */
  get(name: string): Weight;
  info(name: string): WeightInfo;
  /** Bytes of the safetensors files. */
  totalBytes: number;
  /** True when the weights are views onto mmap'd files. */
  readonly mapped: boolean;
  /** Drops the references to the file bytes (a mapping is unmapped once no view remains). */
  close(): void;
}

export interface OpenCheckpointOptions {
  onProgress?: (loadedBytes: number, totalBytes: number) => void;
  /** Map the files through the addon (default: when the addon is loaded). Falls back to reading. */
  mmap?: boolean;
  /**
   * With the addon: copy the files into huge pages instead of mapping the page cache (decode
   * streams every weight once per token, and 4 KiB pages cost TLB misses). Default false.
   */
  hugePages?: boolean;
}

const SINGLE = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function readJsonObject(path: string, what: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(`${path}: cannot read ${what} (${code ?? (e as Error).message})`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${path}: ${what} is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new CheckpointError(`${path}: ${what} is not a JSON object`);
  }
  return json as Record<string, unknown>;
}

/** A shard path from an index must name a file inside the folder: no absolute path, no `..`. */
function shardPath(dir: string, indexPath: string, tensor: string, file: unknown): string {
  if (typeof file !== 'string' || file === '') {
    throw new CheckpointError(`${indexPath}: weight_map['${tensor}'] is ${JSON.stringify(file)}, not a file name`);
  }
  const escapes = (p: string) => p === '..' || p.startsWith(`..${sep}`) || isAbsolute(p);
  const parts = file.split(/[\\/]/);
  if (isAbsolute(file) || file.includes('\0') || parts.includes('..') || escapes(relative(dir, resolve(dir, file)))) {
    throw new CheckpointError(`${indexPath}: weight_map['${tensor}'] = '${file}' points outside the checkpoint folder`);
  }
  return join(dir, file);
}

/** tensor name -> shard path, for a single file or an index. */
async function weightFiles(dir: string): Promise<{ layout: Map<string, string> | null; files: string[] }> {
  const single = join(dir, SINGLE);
  if (await exists(single)) return { layout: null, files: [single] };
  const indexPath = join(dir, INDEX);
  if (!(await exists(indexPath))) {
    const bin = (await exists(join(dir, 'pytorch_model.bin'))) ? ' (only pytorch_model.bin is present: convert it to safetensors)' : '';
    throw new CheckpointError(`${dir}: no ${SINGLE} or ${INDEX}${bin}`);
  }
  const index = await readJsonObject(indexPath, 'the shard index');
  const map = index.weight_map;
  if (map === null || typeof map !== 'object' || Array.isArray(map)) {
    throw new CheckpointError(`${indexPath}: weight_map is ${JSON.stringify(map)}, not an object of tensor name -> shard file`);
  }
  const layout = new Map<string, string>();
  for (const [name, file] of Object.entries(map as Record<string, unknown>)) layout.set(name, shardPath(dir, indexPath, name, file));
  if (layout.size === 0) throw new CheckpointError(`${indexPath}: weight_map is empty`);
  const files = [...new Set(layout.values())].sort();
  for (const f of files) {
    if (!(await exists(f))) {
      const example = [...layout].find(([, p]) => p === f)![0];
      throw new CheckpointError(`${indexPath}: shard ${f} (holding '${example}') does not exist`);
    }
  }
  return { layout, files };
}

class OpenedCheckpoint implements Checkpoint {
  private shards: Map<string, FileBytes> | null;
  private readonly where: Map<string, string>;

  constructor(
    readonly dir: string,
    readonly config: Record<string, unknown>,
    readonly generationConfig: Record<string, unknown> | undefined,
    shards: Map<string, FileBytes>,
    where: Map<string, string>,
    readonly totalBytes: number,
    readonly mapped: boolean,
  ) {
    this.shards = shards;
    this.where = where;
  }

  names(): string[] {
    return [...this.where.keys()];
  }

  has(name: string): boolean {
    return this.where.has(name);
  }

  info(name: string): WeightInfo {
    const { shard } = this.locate(name);
    const e = shard.header.tensors.get(name)!;
    return { name, dtype: e.dtype, dims: [...e.shape], file: shard.file };
  }

  get(name: string): Weight {
    const { shard } = this.locate(name);
    const e = shard.header.tensors.get(name)!;
    const dims = [...e.shape];
    const count = dims.reduce((a, b) => a * b, 1);
    const start = shard.bytes.byteOffset + shard.header.dataStart + e.begin;
    const buf = shard.bytes.buffer;
    const slice = () => shard.bytes.slice(shard.header.dataStart + e.begin, shard.header.dataStart + e.end).buffer;
    switch (e.dtype) {
      case 'F32':
        return { name, dtype: 'f32', dims, data: start % 4 === 0 ? new Float32Array(buf, start, count) : new Float32Array(slice()) };
      case 'F16':
      case 'BF16': {
        const data = start % 2 === 0 ? new Uint16Array(buf, start, count) : new Uint16Array(slice());
        return { name, dtype: e.dtype === 'F16' ? 'f16' : 'bf16', dims, data };
      }
      case 'F64': {
        const src = start % 8 === 0 ? new Float64Array(buf, start, count) : new Float64Array(slice());
        return { name, dtype: 'f32', dims, data: Float32Array.from(src) };
      }
      default:
        throw new CheckpointError(`${shard.file}: tensor '${name}' has dtype ${e.dtype}; a weight must be F32, F16, BF16 or F64`);
    }
  }

  close(): void {
    this.shards = null;
  }

  private locate(name: string): { shard: FileBytes } {
    if (!this.shards) throw new DisposedError(`checkpoint ${this.dir} is closed; cannot read '${name}'`);
    const file = this.where.get(name);
    if (file === undefined) {
      const files = [...this.shards.keys()].map((f) => relative(this.dir, f)).join(', ');
      throw new CheckpointError(`${this.dir}: no tensor named '${name}' in ${files} (${this.where.size} tensors)`);
    }
    return { shard: this.shards.get(file)! };
  }
}

export async function openCheckpoint(dir: string, opts: OpenCheckpointOptions = {}): Promise<Checkpoint> {
  const configPath = join(dir, 'config.json');
  if (!(await exists(configPath))) throw new CheckpointError(`${configPath}: config.json is missing`);
  const config = await readJsonObject(configPath, 'config.json');
  const genPath = join(dir, 'generation_config.json');
  const generationConfig = (await exists(genPath)) ? await readJsonObject(genPath, 'generation_config.json') : undefined;

  const { layout, files } = await weightFiles(dir);
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  let mapFile = opts.mmap === false ? undefined : nativeMapFile();
  let loaded = 0;
  const progress = (n: number) => {
    loaded += n;
    opts.onProgress?.(loaded, totalBytes);
  };

  const shards = new Map<string, FileBytes>();
  for (let i = 0; i < files.length; i++) {
    const mapped = mapFile && mapFileBytes(files[i], mapFile, opts.hugePages ? 'hugepages' : 'mmap');
    if (mapped) {
      shards.set(files[i], mapped);
      progress(sizes[i]);
      await new Promise((r) => setImmediate(r));
    } else {
      mapFile = undefined;
      shards.set(files[i], await readFileBytes(files[i], progress));
    }
  }

  const where = new Map<string, string>();
  if (layout) {
    for (const [name, file] of layout) {
      if (!shards.get(file)!.header.tensors.has(name)) {
        throw new CheckpointError(`${join(dir, INDEX)}: tensor '${name}' is mapped to ${file}, which does not hold it`);
      }
      where.set(name, file);
    }
  } else {
    for (const name of shards.get(files[0])!.header.tensors.keys()) where.set(name, files[0]);
  }
  return new OpenedCheckpoint(dir, config, generationConfig, shards, where, totalBytes, mapFile !== undefined);
}
