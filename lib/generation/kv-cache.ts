// Per-layer carried state of one batch of sequences: the self-attention K/V cache (grown by
// doubling, token-major [batch, len, kvHeads, headDim] like the attention kernel reads it), the
// cross-attention K/V computed once from the encoder output, and Mamba's conv and SSM states.
// The self cache stores f32, or f16 (half the bytes a decode step reads; llama.cpp's default):
// appended f32 rows are rounded to f16 once, and the attention kernels widen them as they read.
import type { KvDType } from '../kernels/attention.js';
import { kvAppendF32 } from '../kernels/kvcache.js';
import type { KvTensor } from '../ops/attention.js';
import { Tensor } from '../tensor.js';

export type { KvDType };

type KvBuf = Float32Array | Uint16Array;

/** Writes k, v [batch, seq, kvHeads, headDim] into the caches [batch, capacity, kvHeads, headDim] from token row `at`. */
export type KvStore = (k: Tensor, v: Tensor, kCache: KvTensor, vCache: KvTensor, at: number) => void;

const storeTs: KvStore = (k, v, kCache, vCache, at) => {
  const [batch, seq, kvHeads, headDim] = k.dims;
  kvAppendF32({ k: k.data, v: v.data, kCache: kCache.data, vCache: vCache.data, batch, seq, capacity: kCache.dims[1], at, row: kvHeads * headDim });
};

export class KvCache {
  private k: KvBuf;
  private v: KvBuf;
  private cap: number;
  length = 0;

  constructor(
    readonly batch: number,
    readonly kvHeads: number,
    readonly headDim: number,
    capacity = 16,
    readonly dtype: KvDType = 'f32',
  ) {
    this.cap = Math.max(1, capacity);
    this.k = this.alloc(batch * this.cap * kvHeads * headDim);
    this.v = this.alloc(batch * this.cap * kvHeads * headDim);
  }

  /**
   * Appends k, v [batch, seq, kvHeads, headDim] (f32) with `store` (a model's bound kvAppend kernel;
   * default the TS twin); returns the whole cache as K, V tensors in the cache's dtype.
   */
  append(k: Tensor, v: Tensor, store: KvStore = storeTs): { k: KvTensor; v: KvTensor } {
    const seq = k.dims[1];
    if (this.length + seq > this.cap) this.grow(Math.max(this.cap * 2, this.length + seq));
    store(k, v, this.storage(this.k), this.storage(this.v), this.length);
    this.length += seq;
    return { k: this.view(this.k), v: this.view(this.v) };
  }

  /** Whether k and v are this cache's current storage (a decode plan appends into them). */
  stores(k: ArrayBufferView, v: ArrayBufferView): boolean {
    return this.k === k && this.v === v;
  }

  /** Counts `seq` rows a decode plan wrote into the storage at `length`. */
  appended(seq: number): void {
    if (this.length + seq > this.cap) throw new Error(`internal: ${seq} rows appended past the capacity ${this.cap}`);
    this.length += seq;
  }

  /** Bytes held (K and V at the current capacity). */
  get bytes(): number {
    return this.k.byteLength + this.v.byteLength;
  }

  /** Bytes one more token takes (K and V, every row). */
  get tokenBytes(): number {
    return 2 * this.batch * this.kvHeads * this.headDim * this.k.BYTES_PER_ELEMENT;
  }

  /** Forgets every token past `length` (undoing a step that failed half way). */
  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }

  private alloc(n: number): KvBuf {
    return this.dtype === 'f16' ? new Uint16Array(n) : new Float32Array(n);
  }

  private storage(buf: KvBuf): KvTensor {
    const dims = [this.batch, this.cap, this.kvHeads, this.headDim];
    return buf instanceof Uint16Array ? { data: buf, dims, dtype: 'f16' } : new Tensor(buf, dims);
  }

  private view(buf: KvBuf): KvTensor {
    const row = this.kvHeads * this.headDim;
    const dims = [this.batch, this.length, this.kvHeads, this.headDim];
    let data: KvBuf;
    // One sequence: the filled prefix is already contiguous.
    if (this.batch === 1) data = buf.subarray(0, this.length * row);
    else {
      data = this.alloc(this.batch * this.length * row);
      for (let b = 0; b < this.batch; b++) data.set(buf.subarray(b * this.cap * row, (b * this.cap + this.length) * row) as never, b * this.length * row);
    }
    return data instanceof Uint16Array ? { data, dims, dtype: 'f16' } : new Tensor(data, dims);
  }

  private grow(cap: number): void {
    const row = this.kvHeads * this.headDim;
    const k = this.alloc(this.batch * cap * row);
    const v = this.alloc(this.batch * cap * row);
    for (let b = 0; b < this.batch; b++) {
      k.set(this.k.subarray(b * this.cap * row, (b * this.cap + this.length) * row) as never, b * cap * row);
      v.set(this.v.subarray(b * this.cap * row, (b * this.cap + this.length) * row) as never, b * cap * row);
    }
    this.k = k;
    this.v = v;
    this.cap = cap;
  }
}

export interface LayerState {
  self?: KvCache;
  cross?: { k: Tensor; v: Tensor };
  /** Mamba: [batch, dim, width-1] conv inputs, [batch, dim, dState] SSM state. */
  conv?: Tensor;
  ssm?: Tensor;
}

/** Everything carried between generation steps of one batch of sequences. */
export interface SequenceState {
  layers: LayerState[];
  /** Tokens already consumed by the decoder. */
  length: number;
  /** Decoders: keys to keep [batch, length] (left padding), and each sequence's next position. */
  mask?: Uint8Array;
  nextPositions?: Int32Array;
  /** Encoder output and its mask (encoder-decoders). */
  memory?: { hidden: Tensor; mask?: Uint8Array };
  /** The decode plan of this state's steps (lib/models/plan.ts); opaque here. */
  plan?: unknown;
}

export function newSequenceState(numLayers: number): SequenceState {
  return { layers: Array.from({ length: numLayers }, () => ({})), length: 0 };
}

/** Captures what a step may change in a state; the returned function puts it back. */
export function snapshotState(s: SequenceState): () => void {
  const layers = s.layers.map((l) => ({ ...l, selfLength: l.self?.length }));
  const { length, mask } = s;
  const next = s.nextPositions?.slice();
  return () => {
    s.layers.forEach((l, i) => {
      const saved = layers[i];
      if (saved.selfLength === undefined) delete l.self;
      else l.self!.truncate(saved.selfLength);
      l.conv = saved.conv;
      l.ssm = saved.ssm;
    });
    s.length = length;
    s.mask = mask;
    if (next) s.nextPositions = next;
  };
}

/** Bytes a state holds, split the way they grow: per decoder token (self K/V), per encoder token (cross K/V and the encoder output), fixed (Mamba). */
export function stateBytes(s: SequenceState): { perToken: number; encoder: number; fixed: number } {
  let perToken = 0;
  let encoder = s.memory ? s.memory.hidden.data.byteLength : 0;
  let fixed = 0;
  for (const l of s.layers) {
    if (l.self) perToken += l.self.tokenBytes;
    if (l.cross) encoder += l.cross.k.data.byteLength + l.cross.v.data.byteLength;
    if (l.conv) fixed += l.conv.data.byteLength;
    if (l.ssm) fixed += l.ssm.data.byteLength;
  }
  return { perToken, encoder, fixed };
}
