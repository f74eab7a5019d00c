// A model built and run in the current thread: the checkpoint opened, every tensor checked, the
// Net ready. The worker (worker.ts) holds one of these; tests may too.
import { type BackendName, resolveBackend } from '../backend/select.js';
import { setThreads } from '../backend/select.js';
import { CheckpointError, ShapeError, ValueRangeError } from '../errors.js';
import type { KvDType } from '../generation/kv-cache.js';
import { type Checkpoint, openCheckpoint } from '../io/checkpoint.js';
import { Tensor } from '../tensor.js';
import { ConfigReader } from './config.js';
import { bindOps, type Ops } from './layers/ops.js';
import type { Inputs, Net, Outputs, Run } from './net.js';
import { architectureOf } from './registry.js';
import { Weights } from './weights.js';

export interface LocalModel {
  architecture: string;
  config: object;
  backend: BackendName;
  net: Net;
  ops: Ops;
  checkpoint: Checkpoint;
  generationConfig?: Record<string, unknown>;
  /** eos_token_id from generation_config.json or config.json, as a list. */
  eosTokenIds: number[];
  padTokenId?: number;
  /** Storage of the decoder self K/V caches (LoadModelOptions.kvCache). */
  kvCache: KvDType;
}

export interface LoadOptions {
  backend?: BackendName;
  threads?: number;
  kvCache?: KvDType;
  onProgress?: (loadedBytes: number, totalBytes: number) => void;
  /** Native backend: weights copied into huge pages (default on Linux) or mapped from the page cache (false). */
  hugePages?: boolean;
}

/** Linux backs an madvise'd anonymous copy with 2 MiB pages; elsewhere a copy would only cost memory. */
const hugePagesByDefault = process.platform === 'linux';

/**
 * The K/V cache follows the checkpoint's weights, as the transformers `dtype="auto"` default, vLLM
 * and llama.cpp do: a half-precision checkpoint (most of its parameters in F16) caches in f16, half
 * the bytes a decode step reads; anything else in f32. BF16 stays f32: f16's range is narrower
 * than the values a bf16 model may produce.
 */
export function defaultKvCache(checkpoint: Checkpoint): KvDType {
  const elements = new Map<string, number>();
  for (const name of checkpoint.names()) {
    const { dtype, dims } = checkpoint.info(name);
    elements.set(dtype, (elements.get(dtype) ?? 0) + dims.reduce((a, b) => a * b, 1));
  }
  const f16 = elements.get('F16') ?? 0;
  return f16 > (elements.get('F32') ?? 0) && f16 > (elements.get('BF16') ?? 0) ? 'f16' : 'f32';
}

export async function loadLocal(dir: string, opts: LoadOptions = {}): Promise<LocalModel> {
  const backend = resolveBackend(opts.backend);
  if (opts.threads !== undefined && backend === 'native') setThreads(opts.threads);
  const native = backend === 'native';
  const checkpoint = await openCheckpoint(dir, {
    onProgress: opts.onProgress,
    mmap: native ? undefined : false,
    hugePages: native && (opts.hugePages ?? hugePagesByDefault),
  });
  try {
    const { name, arch } = architectureOf(checkpoint.config, `${dir}/config.json`);
    const ops = bindOps(backend);
    const w = new Weights(checkpoint, arch.basePrefix);
    let built;
    try {
      built = arch.build(new ConfigReader(checkpoint.config, `${dir}/config.json`), w, ops, checkpoint.config);
    } catch (e) {
      if (e instanceof RangeError && !(e instanceof ShapeError) && !(e instanceof ValueRangeError)) {
        throw new CheckpointError(`${dir}/config.json: ${e.message}`, { cause: e });
      }
      throw e;
    }
    w.finish(name);
    const eos = checkpoint.generationConfig?.eos_token_id ?? checkpoint.config.eos_token_id;
    const eosTokenIds = (Array.isArray(eos) ? eos : eos === undefined || eos === null ? [] : [eos]).filter((x): x is number => typeof x === 'number');
    const pad = checkpoint.generationConfig?.pad_token_id ?? checkpoint.config.pad_token_id;
    const padTokenId = typeof pad === 'number' ? pad : undefined;
    return {
      architecture: name, config: built.config, backend, net: built.net, ops, checkpoint, generationConfig: checkpoint.generationConfig, eosTokenIds, padTokenId,
      kvCache: opts.kvCache ?? defaultKvCache(checkpoint),
    };
  } catch (e) {
    checkpoint.close();
    throw e;
  }
}

/** ids as a [batch, seq] Int32 tensor: from a tensor or number[][]; checked non-empty and in the vocabulary. */
export function idsTensor(name: string, v: unknown, vocab: number | undefined): Tensor<Int32Array> {
  let t: Tensor<Int32Array>;
  if (Array.isArray(v)) {
    const rows = v as unknown[];
    if (rows.length === 0) throw new ShapeError(`${name} is empty`);
    if (!rows.every((r) => Array.isArray(r))) throw new ShapeError(`${name} must be number[][] ([batch][seq]) or an Int32Array tensor`);
    const seq = (rows[0] as number[]).length;
    if (rows.some((r) => (r as number[]).length !== seq)) throw new ShapeError(`${name}: every row must have the same length (pad them and pass an attention mask)`);
    const data = new Int32Array(rows.length * seq);
    rows.forEach((r, b) =>
      (r as unknown[]).forEach((x, s) => {
        if (typeof x !== 'number' || !Number.isInteger(x)) throw new ValueRangeError(`${name}[${b}, ${s}] = ${String(x)} is not an integer id`);
        data[b * seq + s] = x;
      }),
    );
    t = new Tensor(data, [rows.length, seq]);
  } else if (v && typeof v === 'object' && (v as { data?: unknown }).data instanceof Int32Array) {
    const o = v as { data: Int32Array; dims: number[] };
    if (!Array.isArray(o.dims) || o.dims.length !== 2) throw new ShapeError(`${name} must have dims [batch, seq], got [${o.dims}]`);
    t = new Tensor(o.data, o.dims);
  } else {
    throw new ShapeError(`${name} must be number[][] ([batch][seq]) or an Int32Array tensor with dims [batch, seq]`);
  }
  const [batch, seq] = t.dims;
  if (batch === 0 || seq === 0) throw new ShapeError(`${name} is empty (dims [${t.dims.join(', ')}])`);
  if (vocab !== undefined) {
    for (let i = 0; i < t.data.length; i++) {
      const id = t.data[i];
      if (id < 0 || id >= vocab) {
        throw new ValueRangeError(`${name}[${Math.floor(i / seq)}, ${i % seq}] = ${id} is outside the vocabulary [0, ${vocab})`);
      }
    }
  }
  return t;
}

/** A 0/1 mask [batch, seq] as Uint8Array, from a tensor (any int/float data) or number[][]. */
export function maskOf(name: string, v: unknown, dims: number[]): Uint8Array | undefined {
  if (v === undefined || v === null) return undefined;
  const [batch, seq] = dims;
  let flat: ArrayLike<number>;
  if (Array.isArray(v)) {
    if (v.length !== batch || v.some((r) => !Array.isArray(r) || r.length !== seq)) {
      throw new ShapeError(`${name} must have dims [${batch}, ${seq}] like its ids`);
    }
    flat = (v as number[][]).flat();
  } else if (v && typeof v === 'object' && ArrayBuffer.isView((v as { data?: unknown }).data)) {
    const o = v as { data: ArrayLike<number>; dims?: number[] };
    if (o.data.length !== batch * seq || (o.dims && (o.dims[0] !== batch || o.dims[1] !== seq))) {
      throw new ShapeError(`${name} must have dims [${batch}, ${seq}] like its ids, got [${o.dims?.join(', ')}]`);
    }
    flat = o.data;
  } else {
    throw new ShapeError(`${name} must be number[][] or a tensor with dims [${batch}, ${seq}]`);
  }
  return Uint8Array.from(flat as ArrayLike<number>, (x) => (x ? 1 : 0));
}

/** The raw forward arguments (API shape) → checked Inputs. */
export function inputsOf(a: Record<string, unknown>, vocab: number): Inputs {
  if (a === null || typeof a !== 'object') throw new ShapeError('forward: expected an object { inputIds, ... }');
  const inputIds = idsTensor('inputIds', a.inputIds, vocab);
  const inp: Inputs = { inputIds, outputHiddenStates: a.outputHiddenStates === true };
  inp.attentionMask = maskOf('attentionMask', a.attentionMask, inputIds.dims);
  if (a.tokenTypeIds != null) inp.tokenTypeIds = idsTensor('tokenTypeIds', a.tokenTypeIds, undefined);
  if (a.positionIds != null) inp.positionIds = idsTensor('positionIds', a.positionIds, undefined);
  for (const k of ['tokenTypeIds', 'positionIds'] as const) {
    const t = inp[k];
    if (t && (t.dims[0] !== inputIds.dims[0] || t.dims[1] !== inputIds.dims[1])) {
      throw new ShapeError(`${k} dims [${t.dims.join(', ')}] must equal inputIds dims [${inputIds.dims.join(', ')}]`);
    }
  }
  if (a.decoderInputIds != null) {
    inp.decoderInputIds = idsTensor('decoderInputIds', a.decoderInputIds, vocab);
    inp.decoderAttentionMask = maskOf('decoderAttentionMask', a.decoderAttentionMask, inp.decoderInputIds.dims);
  }
  return inp;
}

export function runForward(m: LocalModel, args: Record<string, unknown>, run: Run): Outputs {
  return m.net.forward(inputsOf(args, m.net.vocabSize), run);
}
