// The public Model: a main-thread proxy over a worker thread (worker.ts) that owns the checkpoint
// and runs every kernel. Calls go by message; results come back by transfer; generated tokens
// stream back one message each. Aborting sets a shared flag the worker checks between layers.
import { Worker } from 'node:worker_threads';

import type { BackendName } from '../backend/select.js';
import { AbortError, DisposedError, ShapeError, ValueRangeError } from '../errors.js';
import type { GenerateOptions } from '../generation/generate.js';
import type { KvDType } from '../generation/kv-cache.js';
import { loadTokenizer, type TextTokenizer } from '../io/tokenizer.js';
import { Tensor } from '../tensor.js';
import { batchableRows, type ForwardBatchOptions, ForwardBatcher } from '../serving/forward-batch.js';
import { type ModelStats, newStatsBuffer, readStats } from '../serving/stats.js';
import { workerEntry } from '../util/paths.js';
import { type ModelInfo, type Reply, type Request, rebuildError } from './protocol.js';

export type Ids = { data: Int32Array; dims: readonly number[] } | number[][];
export type Mask = { data: ArrayLike<number> & ArrayBufferView; dims: readonly number[] } | number[][];

export interface ForwardInputs {
  inputIds: Ids;
  attentionMask?: Mask;
  tokenTypeIds?: Ids;
  positionIds?: Ids;
  decoderInputIds?: Ids;
  decoderAttentionMask?: Mask;
  outputHiddenStates?: boolean;
}

export interface ForwardOutputs {
  /** [batch, seq, vocab], or [batch, numLabels] for sequence classification. */
  logits?: Tensor;
  /** [batch, seq, hidden] */
  lastHiddenState?: Tensor;
  /** Embeddings output, then the residual stream after each block (the last after the final norm): each [batch, seq, hidden]. */
  hiddenStates?: Tensor[];
  /** [batch, hidden] */
  pooledOutput?: Tensor;
  encoderLastHiddenState?: Tensor;
  encoderHiddenStates?: Tensor[];
  decoderLastHiddenState?: Tensor;
}

export interface ModelGenerateOptions extends GenerateOptions {
  signal?: AbortSignal;
}

export interface LoadModelOptions {
  backend?: BackendName;
  /** Intra-op threads of the native pool. */
  threads?: number;
  /**
   * Native backend: copy the weights into huge pages (default on Linux: a decode step streams
   * every weight once per token, and with 4 KiB pages TLB misses slow that down), or false to map
   * the files from the page cache (no copy; processes loading the same files share the memory).
   */
  hugePages?: boolean;
  onProgress?: (loadedBytes: number, totalBytes: number) => void;
  /** Sequences decoded together at most (continuous batching; a generateBatch call counts one per prompt, and a wider one runs alone). Default 16. */
  maxBatch?: number;
  /** Bytes of caches (KV, cross K/V, Mamba state) reserved for admitted calls. Default a quarter of RAM, at most 4 GiB. */
  maxCacheBytes?: number;
  /** Calls waiting for capacity; beyond it generate fails with CapacityError. Default 256. */
  maxQueue?: number;
  /** Prompt tokens prefilled between two decode steps of the running streams (a longer decoder prompt is cut into chunks). Default 128. */
  prefillChunk?: number;
  /**
   * Encoder models: forward calls arriving within this many ms run as one right-padded batch
   * (each caller gets its own rows back). Default 2; 0 turns it off.
   */
  forwardBatchWindowMs?: number;
  /** Rows of one merged forward call at most. Default 32. */
  forwardBatchMaxRows?: number;
  /**
   * Storage of the decoder self-attention K/V caches: 'f32' or 'f16' (half the cache bytes and half
   * the bytes a decode step reads; logits move by the f16 rounding of K and V). Default: the
   * checkpoint's, 'f16' when most of its parameters are F16, else 'f32' (as transformers'
   * dtype="auto", vLLM and llama.cpp). Cross-attention K/V stay f32.
   */
  kvCache?: KvDType;
}

type Pending = { onReply(r: Reply): void };

function rewrap(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(rewrap);
  const o = v as Record<string, unknown>;
  if (o.data instanceof Float32Array && Array.isArray(o.dims)) return new Tensor(o.data, o.dims as number[]);
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, rewrap(x)]));
}

function promptOf(ids: unknown): Int32Array {
  if (ids instanceof Int32Array) return ids.slice();
  if (Array.isArray(ids)) {
    const flat = ids.length === 1 && Array.isArray(ids[0]) ? (ids[0] as unknown[]) : ids;
    if (flat.some((x) => Array.isArray(x))) throw new ShapeError('generate: promptIds must be one sequence (number[] or [number[]])');
    return Int32Array.from(flat as number[], (x, i) => {
      if (!Number.isInteger(x)) throw new ValueRangeError(`generate: promptIds[${i}] = ${String(x)} is not an integer id`);
      return x;
    });
  }
  const t = ids as { data?: unknown; dims?: number[] } | null;
  if (t && t.data instanceof Int32Array && Array.isArray(t.dims) && (t.dims.length === 1 || (t.dims.length === 2 && t.dims[0] === 1))) return t.data.slice();
  throw new ShapeError('generate: promptIds must be number[], an Int32Array, or a [1, seq] Int32Array tensor');
}

export class Model {
  readonly architecture: string;
  /** The typed (camelCase) configuration the architecture built from config.json. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly backend: BackendName;
  readonly kind: ModelInfo['kind'];
  readonly vocabSize: number;
  /** EOS ids from generation_config.json or config.json. */
  readonly eosTokenIds: readonly number[];
  readonly decoderStartTokenId?: number;
  readonly generationConfig?: Readonly<Record<string, unknown>>;
  /** The decoders' self K/V cache storage in use (the kvCache option, or the checkpoint's default). */
  readonly kvCache: KvDType;
  readonly dir: string;
  /** The folder's tokenizer.json (with tokenizer_config.json special tokens), when present. */
  readonly tokenizer?: TextTokenizer;

  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  private exited = false;
  private idle: (() => void) | undefined;
  private readonly statsBuf: Float64Array;
  private readonly batcher?: ForwardBatcher;

  /** @internal use loadModel() */
  constructor(
    private readonly worker: Worker,
    info: ModelInfo,
    dir: string,
    tokenizer?: TextTokenizer,
    statsBuf: Float64Array = newStatsBuffer(),
    batching: ForwardBatchOptions = { windowMs: 2, maxRows: 32 },
  ) {
    this.statsBuf = statsBuf;
    if (info.kind === 'encoder' && batching.windowMs > 0) {
      this.batcher = new ForwardBatcher(batching, (a) => this.forwardAlone(a as unknown as ForwardInputs) as unknown as Promise<Record<string, unknown>>);
    }
    this.tokenizer = tokenizer;
    this.architecture = info.architecture;
    this.config = info.config;
    this.backend = info.backend;
    this.kind = info.kind;
    this.vocabSize = info.vocabSize;
    this.eosTokenIds = info.eosTokenIds;
    this.decoderStartTokenId = info.decoderStartTokenId;
    this.generationConfig = info.generationConfig;
    this.kvCache = info.kvCache;
    this.dir = dir;
    worker.on('message', (r: Reply) => {
      if ('id' in r && r.id !== undefined) this.pending.get(r.id)?.onReply(r);
    });
    const fail = (why: string) => {
      for (const p of [...this.pending.values()]) p.onReply({ type: 'error', id: -1, error: { name: 'Error', message: `model worker ${why}` } });
    };
    worker.on('error', (e) => fail(`failed: ${e.message}`));
    worker.on('exit', (code) => {
      this.exited = true;
      fail(`exited (code ${code})`);
    });
  }

  private send(req: Request, pending: Pending): number {
    if (this.disposed) throw new DisposedError(`model ${this.dir} is disposed`);
    const id = (req as { id: number }).id;
    this.pending.set(id, pending);
    this.worker.ref();
    this.worker.postMessage(req);
    return id;
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) {
      this.worker.unref();
      this.idle?.();
    }
  }

  /** One full forward pass (no cache). On an encoder, calls close together share one batch (see LoadModelOptions.forwardBatchWindowMs). */
  forward(inputs: ForwardInputs, opts: { signal?: AbortSignal } = {}): Promise<ForwardOutputs> {
    const args = inputs as unknown as Record<string, unknown>;
    const rows = this.batcher && !this.disposed && !opts.signal?.aborted && args && typeof args === 'object' ? batchableRows(args) : undefined;
    if (rows) return this.batcher!.add(args, rows, opts.signal) as Promise<ForwardOutputs>;
    return this.forwardAlone(inputs, opts);
  }

  private forwardAlone(inputs: ForwardInputs, opts: { signal?: AbortSignal } = {}): Promise<ForwardOutputs> {
    if (this.disposed) return Promise.reject(new DisposedError(`model ${this.dir} is disposed`));
    if (opts.signal?.aborted) return Promise.reject(new AbortError('forward aborted before it started'));
    const abort = new Int32Array(new SharedArrayBuffer(4));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => Atomics.store(abort, 0, 1);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.send({ type: 'forward', id, args: inputs as unknown as Record<string, unknown>, abort }, {
          onReply: (r) => {
            if (r.type !== 'result' && r.type !== 'error') return;
            opts.signal?.removeEventListener('abort', onAbort);
            this.settle(id);
            if (r.type === 'result') resolve(rewrap(r.result) as ForwardOutputs);
            else reject(rebuildError(r.error));
          },
        });
      } catch (e) {
        opts.signal?.removeEventListener('abort', onAbort);
        reject(e);
      }
    });
  }

  /** Streams generated token ids (greedy when temperature is 0 or absent). */
  generate(promptIds: Ids | number[] | Int32Array, options: ModelGenerateOptions = {}): AsyncIterable<number> {
    return {
      [Symbol.asyncIterator]: () => {
        const it = this.stream(() => [promptOf(promptIds)], options, false);
        return {
          next: async () => {
            const r = await it.next();
            return r.done ? r : { value: (r.value as (number | null)[])[0] as number, done: false };
          },
          return: () => it.return!() as Promise<IteratorResult<number>>,
        };
      },
    };
  }

  /**
   * Several prompts as one left-padded batch: each step yields the new token of every sequence,
   * null once that sequence has stopped; the stream ends when all have.
   */
  generateBatch(prompts: (number[] | Int32Array)[], options: ModelGenerateOptions = {}): AsyncIterable<(number | null)[]> {
    const list = () => {
      if (!Array.isArray(prompts) || prompts.length === 0) throw new ShapeError('generateBatch: prompts must be a non-empty array of prompts');
      return prompts.map(promptOf);
    };
    return { [Symbol.asyncIterator]: () => this.stream(list, options, false) as AsyncIterator<(number | null)[]> };
  }

  private stream(prompts: () => Int32Array[], options: ModelGenerateOptions, withLogits: boolean): AsyncIterator<unknown> {
    const { signal, ...rest } = options;
    const abort = new Int32Array(new SharedArrayBuffer(4));
    const queue: unknown[] = [];
    let finished = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    let started = false;
    let id = 0;
    const onAbort = () => Atomics.store(abort, 0, 1);
    const start = () => {
      started = true;
      if (signal?.aborted) throw new AbortError('generate aborted before it started');
      const list = prompts();
      id = this.nextId++;
      signal?.addEventListener('abort', onAbort, { once: true });
      this.send({ type: 'generate', id, prompts: list, options: rest as Record<string, unknown>, abort, withLogits }, {
        onReply: (r) => {
          if (r.type === 'tokens') queue.push(withLogits ? { tokens: r.tokens, logits: r.logits } : r.tokens);
          else if (r.type === 'done' || r.type === 'error') {
            finished = true;
            if (r.type === 'error') failure = rebuildError(r.error);
            signal?.removeEventListener('abort', onAbort);
            this.settle(id);
          } else return;
          wake?.();
        },
      });
    };
    return {
      next: async () => {
        if (!started) start();
        for (;;) {
          if (queue.length > 0) return { value: queue.shift(), done: false };
          if (failure) throw failure;
          if (finished) return { value: undefined, done: true };
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      },
      return: async () => {
        // The consumer stopped early: stop the worker at its next layer boundary.
        Atomics.store(abort, 0, 1);
        signal?.removeEventListener('abort', onAbort);
        queue.length = 0;
        return { value: undefined, done: true };
      },
    };
  }

  /** Serving counters (active and queued calls, cache bytes and budget, totals), read without a round trip. */
  stats(): ModelStats {
    return readStats(this.statsBuf);
  }

  /** Waits for in-flight calls, then frees the worker and the checkpoint; later calls throw DisposedError. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.batcher?.flush();
    this.disposed = true;
    if (this.pending.size > 0) await new Promise<void>((r) => (this.idle = r));
    if (this.exited) return;
    this.worker.ref();
    await new Promise<void>((resolve) => {
      const onMsg = (r: Reply) => {
        if (r.type === 'disposed') {
          this.worker.off('message', onMsg);
          resolve();
        }
      };
      this.worker.on('message', onMsg);
      this.worker.once('exit', () => resolve());
      this.worker.postMessage({ type: 'dispose' } satisfies Request);
    });
    await this.worker.terminate();
  }
}

/** Loads a Hugging Face checkpoint folder in a worker thread and resolves to its Model. */
export async function loadModel(dir: string, opts: LoadModelOptions = {}): Promise<Model> {
  checkLimits(opts);
  const entry = workerEntry('models/worker');
  const worker = new Worker(entry.source, { eval: entry.eval });
  const tokenizer = loadTokenizer(dir);
  tokenizer.catch(() => {});
  const stats = newStatsBuffer();
  const [info] = await Promise.all([startWorker(worker, dir, opts, stats), tokenizer.catch(async (e) => {
    await worker.terminate();
    throw e;
  })]);
  return new Model(worker, info, dir, await tokenizer, stats, { windowMs: opts.forwardBatchWindowMs ?? 2, maxRows: opts.forwardBatchMaxRows ?? 32 });
}

function checkLimits(o: LoadModelOptions): void {
  if (o.kvCache !== undefined && o.kvCache !== 'f32' && o.kvCache !== 'f16') {
    throw new ValueRangeError(`loadModel: kvCache must be 'f32' or 'f16', got ${JSON.stringify(o.kvCache)}`);
  }
  for (const [k, min] of [['maxBatch', 1], ['maxCacheBytes', 0], ['maxQueue', 0], ['prefillChunk', 1], ['forwardBatchWindowMs', 0], ['forwardBatchMaxRows', 1]] as const) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min)) {
      throw new ValueRangeError(`loadModel: ${k} must be an integer >= ${min}, got ${String(v)}`);
    }
  }
}

function startWorker(worker: Worker, dir: string, opts: LoadModelOptions, stats: Float64Array): Promise<ModelInfo> {
  return new Promise((resolve, reject) => {
    const fail = (e: Error) => {
      void worker.terminate();
      reject(e);
    };
    const onMsg = (r: Reply) => {
      if (r.type === 'progress') opts.onProgress?.(r.loaded, r.total);
      else if (r.type === 'loaded') {
        cleanup();
        worker.unref();
        resolve(r.info);
      } else if (r.type === 'error' && r.id === undefined) {
        cleanup();
        fail(rebuildError(r.error));
      }
    };
    const onError = (e: Error) => {
      cleanup();
      fail(e);
    };
    const cleanup = () => {
      worker.off('message', onMsg);
      worker.off('error', onError);
    };
    worker.on('message', onMsg);
    worker.on('error', onError);
    const limits = { maxBatch: opts.maxBatch, maxCacheBytes: opts.maxCacheBytes, maxQueue: opts.maxQueue, prefillChunk: opts.prefillChunk };
    worker.postMessage({ type: 'load', dir, backend: opts.backend, threads: opts.threads, hugePages: opts.hugePages, kvCache: opts.kvCache, limits, stats } satisfies Request);
  });
}
