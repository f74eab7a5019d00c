// Async calls on the TS backend run the TS twin in a worker thread, so the event loop stays free
// as it does with the addon's AsyncWorker. Arguments are copied in (structured clone) and results
// transferred back; validation errors are rebuilt with their class and code.
import { Worker } from 'node:worker_threads';

import * as errors from '../errors.js';
import { Tensor } from '../tensor.js';
import { workerEntry } from '../util/paths.js';

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, Pending>();

function getWorker(): Worker {
  if (worker) return worker;
  const entry = workerEntry('ops/ts-worker');
  // The parent's execArgv (e.g. --input-type=module from `node -e`) must not leak into the worker.
  const w = new Worker(entry.source, { eval: entry.eval, execArgv: [] });
  w.unref();
  w.on('message', (msg: { id: number; result?: unknown; error?: { name: string; message: string } }) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (pending.size === 0) w.unref();
    if (msg.error) p.reject(rebuildError(msg.error));
    else p.resolve(rewrapTensors(msg.result));
  });
  w.on('error', (e) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    worker = undefined;
  });
  worker = w;
  return w;
}

function rebuildError(e: { name: string; message: string }): Error {
  const ctor = (errors as Record<string, unknown>)[e.name];
  if (typeof ctor === 'function') return new (ctor as new (m: string) => Error)(e.message);
  if (e.name === 'TypeError') return new TypeError(e.message);
  if (e.name === 'RangeError') return new RangeError(e.message);
  return new Error(e.message);
}

/** Structured clone turns Tensor instances into plain objects; make them Tensors again. */
export function rewrapTensors(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if (ArrayBuffer.isView(o.data) && Array.isArray(o.dims)) return new Tensor(o.data as Float32Array, o.dims as number[]);
  if (Array.isArray(v)) return v.map(rewrapTensors);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = rewrapTensors(x);
  return out;
}

export function runTsKernelInWorker(name: string, args: unknown): Promise<unknown> {
  const w = getWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref();
    try {
      w.postMessage({ id, name, args });
    } catch (e) {
      pending.delete(id);
      reject(e);
    }
  });
}
