// A decode step replayed as one native call. A step of a 12-layer decoder is ~100 kernel calls;
// between them JS checks arguments, makes output tensors and crosses into the addon again, and on
// two cores that serial JS left the second thread idle for a third of each token. Two consecutive
// steps run as usual while their native calls are recorded; if they made the same calls on the
// same buffers — weights, the step's own outputs, the K/V caches, and only the token ids and
// positions new — the second step's calls become a plan the addon validates once and then runs
// per token (planRun) with the ids and positions written into its own buffers, attention reading
// one more cached key and kvAppend writing one row further each step. Anything else (JS computing
// between kernels, a fallback to a TS twin, a growing mask, a carried state that moves to a new
// buffer each step) makes the two steps differ, and the state keeps stepping the usual way.
import { markAsUntransferable } from 'node:worker_threads';

import { loadNative } from '../backend/native.js';
import { fromNativeError } from '../errors.js';
import type { KvCache, SequenceState } from '../generation/kv-cache.js';
import { type RecordedCall, recordNativeCalls } from '../ops/define.js';

/** What a step consumed besides its state: the token ids and positions [batch]. */
export interface StepInputs {
  ids: Int32Array;
  positions: Int32Array;
}

interface Capture {
  calls: RecordedCall[];
  inputs: StepInputs;
  /** Tokens in the K/V caches before the step. */
  length: number;
  positionLimit: number;
  logits: Float32Array;
  /** Bytes of the small buffers read as constants, after the step (to catch JS rewriting one). */
  snapshots: Map<ArrayBufferView, Uint8Array>;
}

/** planCreate's object: the steps it can run are 0..maxStep. */
type PlanHandle = { maxStep: number };

interface Plan {
  handle: PlanHandle;
  /** Each call's kernel name (and, for the matmuls, the weight's [out, in]). */
  names: string[];
  ids: Int32Array;
  positions: Int32Array;
  logits: Float32Array;
  positionLimit: number;
  caches: { cache: KvCache; k: ArrayBufferView; v: ArrayBufferView }[];
}

/** Per sequence state: the first recorded step, the plan, or why there is none. */
interface Slot {
  first?: Capture;
  plan?: Plan;
  off?: string;
}

type Addon = { planCreate(calls: unknown[]): PlanHandle; planRun(plan: PlanHandle, step: number, seconds?: Float64Array): void };

const OUTPUTS = /^(out\d*|kOut|y|lastState|newState|kCache|vCache)$/;
const SNAPSHOT_MAX_BYTES = 1 << 20;

const bytesOf = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
const sameShape = (a: ArrayBufferView, b: ArrayBufferView) =>
  a.byteOffset === b.byteOffset && a.byteLength === b.byteLength && a.constructor === b.constructor;
const sameView = (a: ArrayBufferView, b: ArrayBufferView) => a.buffer === b.buffer && sameShape(a, b);

function slotOf(state: SequenceState): Slot {
  return ((state.plan as Slot | undefined) ??= {});
}

/** Why planning is off for this state (tests and diagnostics), or undefined. */
export function planStatus(state: SequenceState): 'planned' | 'recording' | string {
  const s = state.plan as Slot | undefined;
  return s?.off ?? (s?.plan ? 'planned' : 'recording');
}

/** Every buffer a step's calls read without an earlier call of the step having written it. */
function constantInputs(c: { calls: RecordedCall[]; inputs: StepInputs }): ArrayBufferView[] {
  const written = new Set<ArrayBufferLike>();
  const out: ArrayBufferView[] = [];
  for (const call of c.calls) {
    for (const [field, v] of Object.entries(call.args)) {
      if (!ArrayBuffer.isView(v) || OUTPUTS.test(field)) continue;
      if (!written.has(v.buffer) && v !== c.inputs.ids && v !== c.inputs.positions) out.push(v);
    }
    for (const [field, v] of Object.entries(call.args)) if (ArrayBuffer.isView(v) && OUTPUTS.test(field)) written.add(v.buffer);
  }
  return out;
}

function capture(calls: RecordedCall[], inputs: StepInputs, length: number, positionLimit: number, logits: Float32Array): Capture {
  const snapshots = new Map<ArrayBufferView, Uint8Array>();
  for (const v of constantInputs({ calls, inputs })) if (v.byteLength <= SNAPSHOT_MAX_BYTES) snapshots.set(v, bytesOf(v).slice());
  return { calls, inputs, length, positionLimit, logits, snapshots };
}

/** The plan's calls from two recorded steps, or why they cannot be one plan. */
function planCalls(a: Capture, b: Capture, own: StepInputs): { calls: { kernel: string; args: Record<string, unknown>; grow?: number }[] } | string {
  if (a.calls.length !== b.calls.length) return `the steps made ${a.calls.length} and ${b.calls.length} kernel calls`;
  const writerA = new Map<ArrayBufferLike, string>();
  const writerB = new Map<ArrayBufferLike, string>();
  const calls = [];
  const dt = b.length - a.length;
  for (let i = 0; i < b.calls.length; i++) {
    const ca = a.calls[i];
    const cb = b.calls[i];
    if (ca.kernel !== cb.kernel) return `call ${i} is ${ca.kernel} then ${cb.kernel}`;
    const fields = Object.keys(cb.args);
    if (fields.length !== Object.keys(ca.args).length || fields.some((f) => !(f in ca.args))) return `call ${i} (${cb.kernel}) changed its fields`;
    const args: Record<string, unknown> = {};
    let grow: number | undefined;
    for (const f of fields) {
      const va = ca.args[f];
      const vb = cb.args[f];
      if (!ArrayBuffer.isView(vb) || !ArrayBuffer.isView(va)) {
        if (ArrayBuffer.isView(vb) || ArrayBuffer.isView(va)) return `call ${i} (${cb.kernel}) field ${f} changed kind`;
        // The one scalar that follows the step: where kvAppend writes, how many keys attention reads.
        const follows = (cb.kernel === 'kvAppend' && f === 'at') || (cb.kernel === 'attention' && f === 'seqK');
        if (follows && typeof va === 'number' && typeof vb === 'number' && vb - va === dt && dt > 0) {
          grow = vb - b.length;
          args[f] = vb;
        } else if (va !== vb) return `call ${i} (${cb.kernel}) field ${f} changed from ${String(va)} to ${String(vb)}`;
        else args[f] = vb;
        continue;
      }
      if (OUTPUTS.test(f)) {
        if (va.byteOffset !== vb.byteOffset || va.byteLength !== vb.byteLength) return `call ${i} (${cb.kernel}) output ${f} changed size`;
        args[f] = vb;
        continue;
      }
      if (vb === b.inputs.ids || vb === b.inputs.positions) {
        const role = vb === b.inputs.ids ? 'ids' : 'positions';
        if (va !== a.inputs[role]) return `call ${i} (${cb.kernel}) reads the step's ${role} in one step only`;
        args[f] = own[role];
        continue;
      }
      const wb = writerB.get(vb.buffer);
      if (wb !== undefined) {
        if (writerA.get(va.buffer) !== wb) return `call ${i} (${cb.kernel}) field ${f} reads another call's output`;
        if (sameShape(va, vb)) args[f] = vb;
        else if (cb.kernel === 'attention' && (f === 'k' || f === 'v') && va.byteOffset === vb.byteOffset && vb.byteLength > va.byteLength) {
          // The cache read so far: the plan passes all of its storage, attention reads the prefix.
          const ctor = vb.constructor as new (b: ArrayBufferLike, o: number, n: number) => ArrayBufferView;
          const per = (vb as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
          args[f] = new ctor(vb.buffer, vb.byteOffset, (vb.buffer.byteLength - vb.byteOffset) / per);
        } else return `call ${i} (${cb.kernel}) field ${f} moved within its buffer`;
        continue;
      }
      if (!sameView(va, vb)) return `call ${i} (${cb.kernel}) field ${f} is a new buffer each step`;
      const before = a.snapshots.get(va);
      if (before && !bytesOf(vb).every((x, j) => x === before[j])) return `call ${i} (${cb.kernel}) field ${f} was rewritten between steps`;
      args[f] = vb;
    }
    if (cb.kernel === 'attention' && grow !== undefined) {
      const k = args.k as ArrayBufferView & { length: number };
      const v = args.v as ArrayBufferView & { length: number };
      const row = (cb.args.kvHeads as number) * (cb.args.headDim as number);
      if (k === cb.args.k || v === cb.args.v || k.length !== v.length) return `call ${i} (attention) grows its keys but not its K and V`;
      args.seqK = k.length / row;
    }
    for (const f of fields) {
      const va = ca.args[f];
      const vb = cb.args[f];
      if (!OUTPUTS.test(f) || !ArrayBuffer.isView(va) || !ArrayBuffer.isView(vb)) continue;
      writerA.set(va.buffer, `${i}.${f}`);
      writerB.set(vb.buffer, `${i}.${f}`);
    }
    calls.push({ kernel: cb.kernel, args, ...(grow !== undefined ? { grow } : {}) });
  }
  const lw = writerB.get(b.logits.buffer);
  if (lw === undefined || writerA.get(a.logits.buffer) !== lw) return 'the logits are not a kernel output';
  return { calls };
}

function build(a: Capture, b: Capture, state: SequenceState): Plan | string {
  const own: StepInputs = { ids: new Int32Array(b.inputs.ids.length), positions: new Int32Array(b.inputs.positions.length) };
  const made = planCalls(a, b, own);
  if (typeof made === 'string') return made;
  // Every self cache of the state is appended by exactly one kvAppend of the plan.
  const selfs = state.layers.flatMap((l) => (l.self ? [l.self] : []));
  const caches: Plan['caches'] = [];
  for (const c of made.calls) {
    if (c.kernel !== 'kvAppend') continue;
    const k = c.args.kCache as ArrayBufferView;
    const v = c.args.vCache as ArrayBufferView;
    const cache = selfs.find((s) => s.stores(k, v));
    if (!cache || c.grow === undefined || caches.some((x) => x.cache === cache)) return 'a kvAppend call is not one layer cache growing';
    caches.push({ cache, k, v });
  }
  if (caches.length !== selfs.length) return 'a layer cache is not appended by the plan';
  const addon = loadNative().addon as unknown as Addon | null;
  if (!addon || typeof addon.planCreate !== 'function') return 'the addon has no plans';
  // A buffer the plan holds must not be detached by a transfer later: transfers then copy.
  for (const c of made.calls) {
    for (const v of Object.values(c.args)) if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) markAsUntransferable(v.buffer);
  }
  const handle = addon.planCreate(made.calls);
  const names = made.calls.map(({ kernel, args }) => (args.outFeatures !== undefined ? `${kernel} [${args.outFeatures}, ${args.inFeatures}]` : kernel));
  return { handle, names, ...own, logits: b.logits, positionLimit: Math.min(a.positionLimit, b.positionLimit), caches };
}

/**
 * One decode step of `state` (tokens already cached: state.length) through its plan when it has
 * one; otherwise `step()` runs as usual, recorded while no plan is made. `step` returns the
 * step's logits and must consume exactly `inputs`.
 */
export function plannedStep(state: SequenceState, inputs: StepInputs, step: () => Float32Array): Float32Array {
  const slot = slotOf(state);
  const length = state.length;
  const plan = slot.plan;
  if (plan) {
    if (usable(plan, inputs, length)) return run(plan, inputs, length);
    slot.plan = undefined;
  }
  slot.off ??= process.env.ATTNSCAN_DECODE_PLAN === 'off' ? 'ATTNSCAN_DECODE_PLAN=off' : undefined;
  if (slot.off) return step();
  const rec = recordNativeCalls(step);
  const now = capture(rec.calls, inputs, length, rec.positionLimit, rec.result);
  const first = slot.first;
  slot.first = now;
  if (first && first.length + 1 === length) {
    const made = build(first, now, state);
    if (typeof made === 'string') slot.off = made;
    else {
      slot.plan = made;
      slot.first = undefined;
      // The plan writes its logits into this step's buffer from now on; the caller keeps a copy.
      return rec.result.slice();
    }
  }
  return rec.result;
}

function usable(p: Plan, inputs: StepInputs, length: number): boolean {
  if (inputs.ids.length !== p.ids.length || inputs.positions.length !== p.positions.length || length > p.handle.maxStep) return false;
  for (const x of inputs.positions) if (x + 1 > p.positionLimit) return false;
  return p.caches.every(({ cache, k, v }) => cache.length === length && cache.stores(k, v));
}

function run(p: Plan, inputs: StepInputs, length: number): Float32Array {
  p.ids.set(inputs.ids);
  p.positions.set(inputs.positions);
  try {
    (loadNative().addon as unknown as Addon).planRun(p.handle, length);
  } catch (e) {
    throw fromNativeError(e);
  }
  for (const c of p.caches) c.cache.appended(1);
  return p.logits.slice();
}

/**
 * Benchmarks: runs the state's plan `runs` times at its current step without advancing the state
 * (the same cache row is rewritten) and returns each call's mean wall time, in plan order.
 */
export function profilePlan(state: SequenceState, runs: number): { kernel: string; seconds: number }[] | undefined {
  const p = (state.plan as Slot | undefined)?.plan;
  if (!p) return undefined;
  const addon = loadNative().addon as unknown as Addon;
  const t = new Float64Array(p.names.length);
  const sum = new Float64Array(p.names.length);
  for (let r = 0; r < runs; r++) {
    addon.planRun(p.handle, state.length, t);
    for (let i = 0; i < t.length; i++) sum[i] += t[i];
  }
  return p.names.map((kernel, i) => ({ kernel, seconds: sum[i] / runs }));
}
