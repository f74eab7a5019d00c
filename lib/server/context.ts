// What the route handlers share: the served models by name, the limits, the metrics, per-client
// stream accounting and the in-flight requests a shutdown drains.
import type { FastifyReply, FastifyRequest } from 'fastify';

import { HttpError } from './errors.js';
import type { ServerMetrics } from './metrics.js';
import type { ServedModel } from './served.js';

export interface Limits {
  /** Largest request body in bytes (413 beyond). */
  bodyLimit: number;
  /** Largest max_tokens a request may ask for. */
  maxTokens: number;
  /** Longest prompt in tokens. */
  maxPromptTokens: number;
  /**
   * Requests (generations, embeddings, classify) one client may have in flight, 429 beyond. A
   * client is its API key when the server has keys, else its remote address.
   */
  maxStreamsPerClient: number;
  /** Most texts in one embeddings/classify request. */
  maxInputs: number;
}

export const DEFAULT_LIMITS: Limits = {
  bodyLimit: 1 << 20,
  maxTokens: 4096,
  maxPromptTokens: 8192,
  maxStreamsPerClient: 16,
  maxInputs: 256,
};

export class ServerContext {
  readonly models: Map<string, ServedModel>;
  private readonly perClient = new Map<string, number>();
  readonly inflight = new Set<AbortController>();
  /** Who sent each request, as the auth hook established it (its key's index or its address). */
  private readonly clients = new WeakMap<FastifyRequest, string>();
  draining = false;

  constructor(
    models: ServedModel[],
    readonly limits: Limits,
    readonly metrics: ServerMetrics,
  ) {
    this.models = new Map(models.map((m) => [m.name, m]));
  }

  /** The model a request names (or the only one served, when it names none). */
  resolve(name: string | undefined, need: 'generate' | 'embed' | 'classify'): ServedModel {
    let s: ServedModel | undefined;
    if (name === undefined) {
      if (this.models.size !== 1) throw new HttpError(400, `'model' is required: this server runs ${[...this.models.keys()].join(', ')}`, 'invalid_request_error', 'model_required', 'model');
      s = [...this.models.values()][0];
    } else {
      s = this.models.get(name);
    }
    if (!s) throw new HttpError(404, `The model '${String(name).slice(0, 256)}' does not exist on this server`, 'invalid_request_error', 'model_not_found', 'model');
    if (need === 'generate' && !s.canGenerate) throw new HttpError(400, `model '${s.name}' (${s.model.architecture}) has no language-model head to generate with`, 'invalid_request_error', 'unsupported_model', 'model');
    if (need === 'classify' && !s.canClassify) throw new HttpError(400, `model '${s.name}' (${s.model.architecture}) has no sequence-classification head`, 'invalid_request_error', 'unsupported_model', 'model');
    return s;
  }

  identify(req: FastifyRequest, client: string): void {
    this.clients.set(req, client);
  }

  /** The client a request counts against: set by the auth hook, else its socket's address. */
  clientOf(req: FastifyRequest): string {
    return this.clients.get(req) ?? `addr:${req.ip}`;
  }

  /** Counts a request against its client; the returned function releases it (once). */
  admit(req: FastifyRequest): () => void {
    const client = this.clientOf(req);
    const n = this.perClient.get(client) ?? 0;
    if (n >= this.limits.maxStreamsPerClient) {
      throw new HttpError(429, `too many concurrent requests from this client: at most ${this.limits.maxStreamsPerClient} may run at once; retry when one has finished`, 'rate_limit_error', 'too_many_streams', null, { 'retry-after': '1' });
    }
    this.perClient.set(client, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left <= 0) this.perClient.delete(client);
      else this.perClient.set(client, left);
    };
  }

  /**
   * An AbortController that fires when the client goes away before the answer is complete, and on
   * a forced shutdown. done() detaches it.
   */
  cancellation(req: FastifyRequest, reply: FastifyReply): { signal: AbortSignal; done: () => void } {
    const ac = new AbortController();
    const res = reply.raw;
    const onClose = () => {
      if (!res.writableFinished) ac.abort();
    };
    res.on('close', onClose);
    req.raw.socket?.on('close', onClose);
    this.inflight.add(ac);
    return {
      signal: ac.signal,
      done: () => {
        res.off('close', onClose);
        req.raw.socket?.off('close', onClose);
        this.inflight.delete(ac);
      },
    };
  }
}
