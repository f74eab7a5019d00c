// Checkpoint tensors as an architecture asks for them: by their HF name, with the shape it expects.
// Requests are recorded while the model is built; finish() then throws one CheckpointError naming
// every missing and mis-shaped tensor (and the unexpected ones, which usually explain a prefix
// mismatch) before any compute runs.
//
// Names resolve as HF's from_pretrained does across head/base classes: the name as asked, else
// without the base prefix (a BertModel checkpoint read by BertForMaskedLM), else with it.
import type { Checkpoint, Weight } from '../io/checkpoint.js';
import { CheckpointError } from '../errors.js';
import { bf16ToF32, f16ToF32 } from '../kernels/half.js';

/** A weight as the kernels take it: f32 data, or f16/bf16 bits tagged with their dtype. */
export interface W {
  readonly name: string;
  readonly data: Float32Array | Uint16Array;
  readonly dims: number[];
  readonly dtype: 'f32' | 'f16' | 'bf16';
}

const fmt = (d: readonly number[]) => `[${d.join(', ')}]`;

export class Weights {
  private readonly used = new Set<string>();
  private readonly missing: string[] = [];
  private readonly misShaped: string[] = [];
  /** Every tensor asked for, as the checkpoint should store it (tests build tiny checkpoints from this). */
  readonly requested: { name: string; dims: number[] }[] = [];

  constructor(
    private readonly ckpt: Pick<Checkpoint, 'has' | 'get' | 'names' | 'dir'>,
    /** The base model's prefix with its dot, e.g. 'bert.' ('' for none). */
    private readonly basePrefix: string,
  ) {}

  /** The stored name for an HF name, or undefined. */
  resolve(name: string): string | undefined {
    if (this.ckpt.has(name)) return name;
    const p = this.basePrefix;
    if (p && name.startsWith(p) && this.ckpt.has(name.slice(p.length))) return name.slice(p.length);
    if (p && !name.startsWith(p) && this.ckpt.has(p + name)) return p + name;
    return undefined;
  }

  has(name: string): boolean {
    return this.resolve(name) !== undefined;
  }

  /** The tensor `name` with dims `dims`; records the problem and returns a placeholder if absent or mis-shaped. */
  get(name: string, dims: number[]): W {
    this.requested.push({ name, dims });
    const stored = this.resolve(name);
    if (stored === undefined) {
      this.missing.push(`${name} ${fmt(dims)}`);
      return placeholder(name, dims);
    }
    this.used.add(stored);
    const w = this.ckpt.get(stored);
    if (w.dims.length !== dims.length || w.dims.some((d, i) => d !== dims[i])) {
      this.misShaped.push(`${stored}: expected ${fmt(dims)}, got ${fmt(w.dims)}`);
      return placeholder(name, dims);
    }
    return asW(w);
  }

  /** An optional tensor (a bias that some checkpoints omit). */
  opt(name: string, dims: number[]): W | undefined {
    return this.has(name) ? this.get(name, dims) : undefined;
  }

  /** `name` if stored, else the tensor it is tied to (HF tie_word_embeddings). */
  tied(name: string, tiedTo: string, dims: number[]): W {
    return this.has(name) ? this.get(name, dims) : this.get(tiedTo, dims);
  }

  /** A GPT-2 Conv1D weight stored [in, out], returned transposed to nn.Linear's [out, in]. */
  transposed(name: string, storedDims: [number, number]): W {
    const w = this.get(name, storedDims);
    const [rows, cols] = storedDims;
    const out = w.data instanceof Float32Array ? new Float32Array(w.data.length) : new Uint16Array(w.data.length);
    if (w.data.length === rows * cols) {
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w.data[r * cols + c];
    }
    return { name: w.name, data: out, dims: [cols, rows], dtype: w.dtype };
  }

  /** Throws a CheckpointError naming every problem recorded while building. */
  finish(arch: string): void {
    if (this.missing.length === 0 && this.misShaped.length === 0) return;
    const parts: string[] = [];
    if (this.missing.length) parts.push(`missing tensors: ${this.missing.join(', ')}`);
    if (this.misShaped.length) parts.push(`mis-shaped tensors: ${this.misShaped.join('; ')}`);
    const unexpected = this.ckpt.names().filter((n) => !this.used.has(n));
    if (this.missing.length && unexpected.length) {
      const shown = unexpected.slice(0, 8).join(', ') + (unexpected.length > 8 ? `, … (${unexpected.length} in all)` : '');
      parts.push(`unexpected tensors: ${shown}`);
    }
    throw new CheckpointError(`${this.ckpt.dir}: checkpoint does not fit ${arch}: ${parts.join('; ')}`);
  }
}

function asW(w: Weight): W {
  return { name: w.name, data: w.data, dims: w.dims, dtype: w.dtype };
}

function placeholder(name: string, dims: number[]): W {
  return { name, data: new Float32Array(dims.reduce((a, b) => a * b, 1)), dims, dtype: 'f32' };
}

/** The weight as f32 (biases: the linear kernel takes an f32 bias whatever the weight dtype). */
export function asF32(w: W): W;
export function asF32(w: W | undefined): W | undefined;
export function asF32(w: W | undefined): W | undefined {
  return w && w.dtype !== 'f32' ? { name: w.name, data: toF32(w), dims: w.dims, dtype: 'f32' } : w;
}

/** Reads a weight as f32 (small tensors the model code combines itself: A_log, relative-bias tables). */
export function toF32(w: W): Float32Array {
  if (w.dtype === 'f32') return w.data as Float32Array;
  const conv = w.dtype === 'bf16' ? bf16ToF32 : f16ToF32;
  return Float32Array.from(w.data as Uint16Array, conv);
}
