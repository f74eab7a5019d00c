// Continuous batching for one model, in its worker thread. Every generate call becomes an entry
// owning its sequences (one per prompt), each with its own state sized for prompt + maxNewTokens.
// Each tick: reap aborted calls, admit waiting calls that fit the batch and cache budget (FIFO),
// prefill sequences alone up to a token budget (a long decoder prompt one chunk at a time), then
// run one ragged decode step over every decoding sequence (net.step), sample each call's rows
// with the call's own options and generator, and yield to the event loop (setImmediate) so new
// requests and aborts arrive between steps.
import { AbortError, CapacityError } from '../errors.js';
import { type GenerateOptions, type GenerationDefaults, type Plan, planGeneration, sampleRow } from '../generation/generate.js';
import { type SequenceState, snapshotState, stateBytes } from '../generation/kv-cache.js';
import type { Net, Run } from '../models/net.js';
import type { Ops } from '../models/layers/ops.js';
import { Tensor } from '../tensor.js';
import { type ModelStats, writeStats } from './stats.js';

export interface SchedulerLimits {
  /** Sequences decoding at once (a generateBatch call counts one per prompt). */
  maxBatch: number;
  /** Bytes of KV cache, cross K/V, encoder output and Mamba state reserved by admitted calls. */
  maxCacheBytes: number;
  /** Calls waiting for capacity; one more is refused with CapacityError. */
  maxQueue: number;
  /** Decoder prompts are prefilled this many tokens per tick, so running streams keep flowing. */
  prefillChunk: number;
}

export interface Job {
  prompts: Int32Array[];
  options: GenerateOptions;
  /** Set to non-zero by the caller to cancel (checked between steps and between prefill layers). */
  abort: Int32Array;
  /**
   * One step: each prompt's new token (null once it stopped); logits(), called within emit, gives
   * their logits rows (zeros once stopped) in a new buffer, built only when asked for.
   */
  emit(tokens: (number | null)[], logits: () => Float32Array): void;
  finish(error?: unknown): void;
}

interface Seq {
  prompt: Int32Array;
  /** Prompt tokens prefilled so far. */
  fed: number;
  state?: SequenceState;
  logits?: Float32Array;
  token?: number;
  done: boolean;
}

interface Entry {
  job: Job;
  plan: Plan;
  seqs: Seq[];
  bytes: number;
  steps: number;
}

/** Bytes per decoder token, per encoder token and fixed, of one sequence's state. */
type Footprint = ReturnType<typeof stateBytes>;

export class Scheduler {
  private readonly waiting: Entry[] = [];
  private readonly active: Entry[] = [];
  private footprint?: Footprint;
  private scheduled = false;
  private readonly totals = { tokensGenerated: 0, requestsCompleted: 0, requestsRejected: 0, prefills: 0, decodeSteps: 0, decodeRows: 0, decodeStepMs: 0 };
  private readonly quiet: Run;

  constructor(
    private readonly net: Net,
    private readonly ops: Ops,
    private readonly defaults: GenerationDefaults & Pick<Run, 'kvCache'>,
    private readonly limits: SchedulerLimits,
    private readonly statsBuf?: Float64Array,
  ) {
    // A shared step is never aborted as a whole: each call leaves between steps.
    this.quiet = { ops, kvCache: defaults.kvCache, checkAbort() {} };
    this.publish();
  }

  /** Admits, queues or refuses a call; its tokens arrive through job.emit. */
  submit(job: Job): void {
    let entry: Entry;
    try {
      const plan = planGeneration(this.net, job.prompts, job.options, this.defaults);
      entry = { job, plan, seqs: job.prompts.map((prompt) => ({ prompt, fed: 0, done: false })), bytes: 0, steps: 0 };
      if (plan.maxNew === 0) return job.finish();
      entry.bytes = this.bytesOf(entry);
      if (entry.bytes > this.limits.maxCacheBytes) {
        throw new CapacityError(`generate: this call needs ${entry.bytes} cache bytes; the model's budget is ${this.limits.maxCacheBytes} (maxCacheBytes)`);
      }
      if (this.waiting.length >= this.limits.maxQueue && !(this.waiting.length === 0 && this.fits(entry))) {
        throw new CapacityError(`generate: the model is at capacity (${this.limits.maxQueue} calls already waiting)`, this.retryAfterMs());
      }
    } catch (e) {
      if (e instanceof CapacityError) this.totals.requestsRejected++;
      this.publish();
      return job.finish(e);
    }
    this.waiting.push(entry);
    this.admit();
    this.publish();
    this.wake();
  }

  /** Live counters (also mirrored into the stats buffer after every step). */
  stats(): ModelStats {
    const seqs = this.active.reduce((n, e) => n + e.seqs.length, 0);
    return {
      activeSequences: seqs,
      activeRequests: this.active.length,
      queuedRequests: this.waiting.length,
      cacheBytes: this.reserved(),
      cacheBudgetBytes: this.limits.maxCacheBytes,
      maxBatch: this.limits.maxBatch,
      maxQueue: this.limits.maxQueue,
      ...this.totals,
    };
  }

  get idle(): boolean {
    return this.active.length === 0 && this.waiting.length === 0;
  }

  private wake(): void {
    if (this.scheduled || this.idle) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.tick();
      this.publish();
      this.wake();
    });
  }

  private tick(): void {
    for (const list of [this.waiting, this.active]) {
      for (const e of [...list]) if (Atomics.load(e.job.abort, 0) !== 0) this.end(e, new AbortError('generate aborted'));
    }
    this.admit();
    // About prefillChunk prompt tokens per tick: a burst of short prompts joins in one tick, a long
    // one is cut into chunks (always at the same offsets, so its numbers do not depend on company).
    for (let budget = this.limits.prefillChunk; budget > 0; ) {
      const pre = this.active.find((e) => e.seqs.some((s) => s.fed < s.prompt.length));
      if (!pre) break;
      budget -= this.prefillOne(pre);
    }
    this.decode();
  }

  /** When the first running call should end: its remaining steps at the recent step time. */
  private retryAfterMs(): number | undefined {
    const left = Math.min(...this.active.map((e) => e.plan.maxNew - e.steps));
    const ms = this.totals.decodeStepMs;
    return Number.isFinite(left) && ms > 0 ? Math.ceil(left * ms) : undefined;
  }

  private reserved(): number {
    return this.active.reduce((n, e) => n + e.bytes, 0);
  }

  /** Room in the batch (a generateBatch call wider than maxBatch runs when it is alone) and in the budget. */
  private fits(e: Entry): boolean {
    const seqs = this.active.reduce((n, a) => n + a.seqs.length, 0);
    return (seqs + e.seqs.length <= this.limits.maxBatch || this.active.length === 0) && this.reserved() + e.bytes <= this.limits.maxCacheBytes;
  }

  private admit(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0])) this.active.push(this.waiting.shift()!);
  }

  /** Tokens a sequence's self caches hold at most: what it is fed (prompt or decoder start, then all but the last new token). */
  private capacityOf(e: Entry, s: Seq): number {
    return (this.net.kind === 'encoder-decoder' ? 1 : s.prompt.length) + e.plan.maxNew;
  }

  private bytesOf(e: Entry): number {
    const f = (this.footprint ??= this.probe(e.plan.pad));
    return e.seqs.reduce((n, s) => n + f.perToken * this.capacityOf(e, s) + (this.net.kind === 'encoder-decoder' ? f.encoder * s.prompt.length : 0) + f.fixed, 0);
  }

  /** The per-token and fixed state sizes, read off a one-token prefill (the architecture stays opaque). */
  private probe(pad: number): Footprint {
    const { state } = this.net.begin!(new Tensor(Int32Array.of(pad), [1, 1]), undefined, this.quiet, 1);
    return stateBytes(state);
  }

  /** Prefills the entry's next sequence by one chunk (an encoder-decoder's whole prompt); returns the tokens used. */
  private prefillOne(e: Entry): number {
    const s = e.seqs.find((x) => x.fed < x.prompt.length)!;
    const abort = e.job.abort;
    const run: Run = {
      ops: this.ops,
      kvCache: this.defaults.kvCache,
      checkAbort() {
        if (Atomics.load(abort, 0) !== 0) throw new AbortError('generate aborted');
      },
    };
    // Encoder-decoders encode the whole prompt at once; decoders take it a chunk per tick.
    const end = this.net.extend ? Math.min(s.prompt.length, s.fed + this.limits.prefillChunk) : s.prompt.length;
    const ids = new Tensor(s.prompt.subarray(s.fed, end), [1, end - s.fed]);
    try {
      if (s.state) s.logits = this.net.extend!(s.state, ids, run);
      else ({ state: s.state, logits: s.logits } = this.net.begin!(ids, undefined, run, this.capacityOf(e, s)));
      s.fed = end;
      this.totals.prefills++;
    } catch (err) {
      this.end(e, err);
      return ids.dims[1];
    }
    if (e.seqs.every((x) => x.fed === x.prompt.length)) this.sample(e);
    return ids.dims[1];
  }

  /** One ragged step over every decoding sequence; a failure is retried call by call so only the failing call ends. */
  private decode(): void {
    const ready = this.active.filter((e) => e.steps > 0);
    if (ready.length === 0) return;
    const rowsOf = (list: Entry[]) => list.flatMap((e) => e.seqs.filter((s) => !s.done));
    const run = (list: Entry[]) => {
      const rows = rowsOf(list);
      const restore = rows.map((s) => snapshotState(s.state!));
      try {
        const t0 = performance.now();
        const logits = this.net.step!(rows.map((s) => s.state!), Int32Array.from(rows, (s) => s.token!), this.quiet);
        const ms = performance.now() - t0;
        this.totals.decodeStepMs = this.totals.decodeSteps === 0 ? ms : 0.9 * this.totals.decodeStepMs + 0.1 * ms;
        this.totals.decodeSteps++;
        this.totals.decodeRows += rows.length;
        const vocab = this.net.vocabSize;
        rows.forEach((s, r) => (s.logits = logits.subarray(r * vocab, (r + 1) * vocab)));
        return true;
      } catch (err) {
        restore.forEach((f) => f());
        if (list.length === 1) this.end(list[0], err);
        return false;
      }
    };
    // A lone call that failed has already ended inside run(); only a shared failure is retried.
    if (!run(ready) && ready.length > 1) for (const e of ready) run([e]);
    for (const e of ready) if (this.active.includes(e)) this.sample(e);
  }

  /** Samples the call's rows from their logits (in row order, one generator), emits, and ends the call when done. */
  private sample(e: Entry): void {
    const vocab = this.net.vocabSize;
    const rows = e.seqs.map((s) => (s.done ? undefined : s.logits));
    const tokens = e.seqs.map((s, b) => {
      if (s.done) return null;
      const { token, stopped } = sampleRow(e.plan, e.job.options, b, s.logits!);
      s.logits = undefined;
      s.token = token;
      s.done = stopped;
      return token;
    });
    e.steps++;
    this.totals.tokensGenerated += tokens.filter((t) => t !== null).length;
    // Views of this step's logits, valid until the next step (hence logits() only within emit).
    e.job.emit(tokens, () => {
      const logits = new Float32Array(e.seqs.length * vocab);
      rows.forEach((row, b) => row && logits.set(row, b * vocab));
      return logits;
    });
    if (e.seqs.every((s) => s.done) || e.steps >= e.plan.maxNew) this.end(e);
  }

  /** Frees the call's states and budget at once; a finished call counts as completed. */
  private end(e: Entry, error?: unknown): void {
    for (const list of [this.waiting, this.active]) {
      const i = list.indexOf(e);
      if (i >= 0) list.splice(i, 1);
    }
    for (const s of e.seqs) {
      s.state = undefined;
      s.logits = undefined;
    }
    if (error === undefined) this.totals.requestsCompleted++;
    this.publish();
    e.job.finish(error);
  }

  private publish(): void {
    if (this.statsBuf) writeStats(this.statsBuf, this.stats());
  }
}
