// The model's worker thread: loads the checkpoint, builds the architecture, runs forward requests
// with the synchronous kernels and hands generate requests to the continuous-batching scheduler,
// which steps between messages, so the main event loop stays free.
import { totalmem } from 'node:os';
import { parentPort } from 'node:worker_threads';

import { AbortError, ValueRangeError } from '../errors.js';
import { Scheduler, type SchedulerLimits } from '../serving/scheduler.js';
import { type LocalModel, loadLocal, runForward } from './local.js';
import type { Run } from './net.js';
import { type Reply, type Request, serializeError } from './protocol.js';

const port = parentPort!;
let model: LocalModel | undefined;
let scheduler: Scheduler | undefined;

/** Defaults: 16 sequences, a quarter of the machine's memory (at most 4 GiB) for caches, 256 waiting calls, 128-token prefill chunks. */
function limitsOf(l: Partial<SchedulerLimits> = {}): SchedulerLimits {
  return {
    maxBatch: l.maxBatch ?? 16,
    maxCacheBytes: l.maxCacheBytes ?? Math.min(totalmem() / 4, 4 * 2 ** 30),
    maxQueue: l.maxQueue ?? 256,
    prefillChunk: l.prefillChunk ?? 128,
  };
}
const post = (r: Reply, transfer: ArrayBuffer[] = []) => port.postMessage(r, transfer);

function runOf(m: LocalModel, abort: Int32Array): Run {
  return {
    ops: m.ops,
    kvCache: m.kvCache,
    checkAbort() {
      if (Atomics.load(abort, 0) !== 0) throw new AbortError('aborted');
    },
  };
}

/** Output tensors travel by transfer; a view that does not own its whole buffer is copied first. */
function packForTransfer(v: unknown, list: ArrayBuffer[]): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => packForTransfer(x, list));
  const o = v as Record<string, unknown>;
  if (o.data instanceof Float32Array && Array.isArray(o.dims)) {
    let data = o.data;
    if (!(data.buffer instanceof ArrayBuffer) || data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength || list.includes(data.buffer)) {
      data = data.slice();
    }
    list.push(data.buffer as ArrayBuffer);
    return { data, dims: o.dims };
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = packForTransfer(x, list);
  return out;
}

async function handle(msg: Request): Promise<void> {
  switch (msg.type) {
    case 'load': {
      try {
        model = await loadLocal(msg.dir, {
          backend: msg.backend,
          threads: msg.threads,
          hugePages: msg.hugePages,
          kvCache: msg.kvCache,
          onProgress: (loaded, total) => post({ type: 'progress', loaded, total }),
        });
        if (model.net.begin && model.net.step) scheduler = new Scheduler(model.net, model.ops, model, limitsOf(msg.limits), msg.stats);
        post({
          type: 'loaded',
          info: {
            architecture: model.architecture,
            config: model.config as Record<string, unknown>,
            backend: model.backend,
            kind: model.net.kind,
            vocabSize: model.net.vocabSize,
            eosTokenIds: model.eosTokenIds,
            decoderStartTokenId: model.net.decoderStartTokenId,
            generationConfig: model.generationConfig,
            kvCache: model.kvCache,
          },
        });
      } catch (e) {
        post({ type: 'error', error: serializeError(e) });
      }
      return;
    }
    case 'forward': {
      try {
        const out = runForward(model!, msg.args, runOf(model!, msg.abort));
        const list: ArrayBuffer[] = [];
        const result = packForTransfer(out, list);
        post({ type: 'result', id: msg.id, result }, list);
      } catch (e) {
        post({ type: 'error', id: msg.id, error: serializeError(e) });
      }
      return;
    }
    case 'generate': {
      const id = msg.id;
      if (!scheduler) {
        post({ type: 'error', id, error: serializeError(new ValueRangeError('generate: this model has no language-model head to generate with')) });
        return;
      }
      scheduler.submit({
        prompts: msg.prompts,
        options: msg.options,
        abort: msg.abort,
        emit: (tokens, logitsOf) => {
          const logits = msg.withLogits ? logitsOf() : undefined;
          post({ type: 'tokens', id, tokens, ...(logits ? { logits } : {}) }, logits ? [logits.buffer as ArrayBuffer] : []);
        },
        finish: (e) => post(e === undefined ? { type: 'done', id } : { type: 'error', id, error: serializeError(e) }),
      });
      return;
    }
    case 'dispose': {
      model?.checkpoint.close();
      model = undefined;
      scheduler = undefined;
      post({ type: 'disposed' });
      return;
    }
  }
}

// Requests run strictly in order: a load finishes before the first forward starts.
let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: Request) => {
  queue = queue.then(() => handle(msg));
});
