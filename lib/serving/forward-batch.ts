// Encoder forward calls (embeddings, classification, fill-mask) that arrive within a short window
// run as one right-padded batch; each caller gets back exactly its own rows, trimmed to its own
// length. Right padding with a zero mask leaves the real tokens' positions and attention as they
// were. If the merged call fails, every call runs alone, so each error reaches its own caller.
// While a call runs, the ones that arrive wait for it and then go together: the model's worker is
// busy anyway, so under a steady load the batches grow with the load instead of with the window.
import { AbortError } from '../errors.js';
import { Tensor } from '../tensor.js';

export interface ForwardBatchOptions {
  /** How long the first call waits for company, in ms. */
  windowMs: number;
  /** Rows per merged call at most (a full batch goes at once). */
  maxRows: number;
}

type Rows = { ids: ArrayLike<number>[]; mask?: ArrayLike<number>[]; types?: ArrayLike<number>[]; len: number };

interface Pending {
  rows: Rows;
  inputs: Record<string, unknown>;
  signal?: AbortSignal;
  resolve(v: Record<string, unknown>): void;
  reject(e: unknown): void;
}

/** [batch][seq] rows of ids or a mask: number[][] or { data, dims: [batch, seq] }; undefined when unrecognised. */
function rowsOf(v: unknown): { rows: ArrayLike<number>[]; len: number } | undefined {
  if (Array.isArray(v)) {
    // Anything unusual (ragged rows, non-integers) runs alone, so its error message is the usual one.
    if (v.length === 0 || !v.every((r) => Array.isArray(r) && r.length === (v[0] as unknown[]).length && r.every(Number.isInteger))) return undefined;
    return { rows: v as number[][], len: (v[0] as number[]).length };
  }
  const t = v as { data?: unknown; dims?: unknown } | null;
  if (!t || !ArrayBuffer.isView(t.data) || !Array.isArray(t.dims) || t.dims.length !== 2) return undefined;
  const [batch, seq] = t.dims as number[];
  const data = t.data as unknown as ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> };
  if (data.length !== batch * seq || batch === 0) return undefined;
  return { rows: Array.from({ length: batch }, (_, b) => data.subarray(b * seq, (b + 1) * seq)), len: seq };
}

/** The call's rows when it can share a batch: only ids, an optional mask and token types, all [batch, seq]. */
export function batchableRows(inputs: Record<string, unknown>): Rows | undefined {
  if (Object.keys(inputs).some((k) => !['inputIds', 'attentionMask', 'tokenTypeIds', 'outputHiddenStates'].includes(k) && inputs[k] != null)) return undefined;
  const ids = rowsOf(inputs.inputIds);
  if (!ids) return undefined;
  const same = (x: ReturnType<typeof rowsOf>) => x && x.len === ids.len && x.rows.length === ids.rows.length;
  const mask = inputs.attentionMask == null ? undefined : rowsOf(inputs.attentionMask);
  const types = inputs.tokenTypeIds == null ? undefined : rowsOf(inputs.tokenTypeIds);
  if ((inputs.attentionMask != null && !same(mask)) || (inputs.tokenTypeIds != null && !same(types))) return undefined;
  return { ids: ids.rows, mask: mask?.rows, types: types?.rows, len: ids.len };
}

function merge(list: Pending[], hidden: boolean): Record<string, unknown> {
  const batch = list.reduce((n, p) => n + p.rows.ids.length, 0);
  const len = Math.max(...list.map((p) => p.rows.len));
  const ids = new Int32Array(batch * len);
  const mask = new Uint8Array(batch * len);
  const types = new Int32Array(batch * len);
  let r = 0;
  for (const { rows } of list) {
    rows.ids.forEach((row, i) => {
      const at = (r + i) * len;
      ids.set(row, at);
      for (let s = 0; s < rows.len; s++) mask[at + s] = rows.mask ? (rows.mask[i][s] ? 1 : 0) : 1;
      if (rows.types) types.set(rows.types[i], at);
    });
    r += rows.ids.length;
  }
  const dims = [batch, len];
  const typed = list.some((p) => p.rows.types);
  return { inputIds: { data: ids, dims }, attentionMask: { data: mask, dims }, ...(typed ? { tokenTypeIds: { data: types, dims } } : {}), outputHiddenStates: hidden };
}

/** Rows [from, from + n) of every output, the per-token ones trimmed from the merged length to `len`. */
function split(out: unknown, from: number, n: number, mergedLen: number, len: number): unknown {
  if (Array.isArray(out)) return out.map((x) => split(x, from, n, mergedLen, len));
  if (out instanceof Tensor) {
    const [batch, ...rest] = out.dims;
    const row = out.data.length / batch;
    if (rest.length >= 2 && rest[0] === mergedLen) {
      const inner = row / mergedLen;
      const data = new Float32Array(n * len * inner);
      for (let b = 0; b < n; b++) data.set(out.data.subarray((from + b) * row, (from + b) * row + len * inner), b * len * inner);
      return new Tensor(data, [n, len, ...rest.slice(1)]);
    }
    return new Tensor((out.data as Float32Array).slice(from * row, (from + n) * row), [n, ...rest]);
  }
  if (out && typeof out === 'object') return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, split(v, from, n, mergedLen, len)]));
  return out;
}

export class ForwardBatcher {
  private queue: Pending[] = [];
  private hidden = false;
  private timer: NodeJS.Timeout | undefined;
  /** Calls sent to the model and not yet answered. */
  private inFlight = 0;

  constructor(
    private readonly o: ForwardBatchOptions,
    /** One forward call on the model (the unbatched path). */
    private readonly run: (inputs: Record<string, unknown>) => Promise<Record<string, unknown>>,
  ) {}

  add(inputs: Record<string, unknown>, rows: Rows, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const hidden = inputs.outputHiddenStates === true;
    if (this.queue.length > 0 && hidden !== this.hidden) this.flush();
    this.hidden = hidden;
    return new Promise((resolve, reject) => {
      const p: Pending = { rows, inputs, signal, resolve, reject };
      signal?.addEventListener('abort', () => reject(new AbortError('forward aborted')), { once: true });
      this.queue.push(p);
      if (this.queue.reduce((n, q) => n + q.rows.ids.length, 0) >= this.o.maxRows) this.flush();
      else if (this.inFlight === 0) this.timer ??= setTimeout(() => this.flush(), this.o.windowMs);
    });
  }

  /** Sends what is waiting now (the window is cut short: a dispose, a full batch). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const list = this.queue.filter((p) => !p.signal?.aborted);
    this.queue = [];
    if (list.length === 0) return;
    if (list.length === 1) {
      this.send(list[0].inputs).then(list[0].resolve, list[0].reject);
      return;
    }
    const merged = merge(list, this.hidden);
    const mergedLen = (merged.inputIds as { dims: number[] }).dims[1];
    this.send(merged).then(
      (out) => {
        let from = 0;
        for (const p of list) {
          p.resolve(split(out, from, p.rows.ids.length, mergedLen, p.rows.len) as Record<string, unknown>);
          from += p.rows.ids.length;
        }
      },
      () => {
        for (const p of list) this.run(p.inputs).then(p.resolve, p.reject);
      },
    );
  }

  private send(inputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.inFlight++;
    const done = () => {
      if (--this.inFlight === 0 && this.queue.length > 0) this.flush();
    };
    const call = this.run(inputs);
    call.then(done, done);
    return call;
  }
}
