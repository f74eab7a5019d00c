// The fastify app: auth, limits, error answers in OpenAI's shape, metrics per request, the routes,
// and a draining close. createServer() wires served models into it; it does not listen.
import Fastify, { type FastifyInstance } from 'fastify';

import { bearerChecker, normalizeApiKeys } from './auth.js';
import { DEFAULT_LIMITS, type Limits, ServerContext } from './context.js';
import { HttpError, maskPaths, toErrorAnswer } from './errors.js';
import { ServerMetrics } from './metrics.js';
import { encoderRoutes } from './routes-encode.js';
import { generationRoutes } from './routes-generate.js';
import type { ServedModel } from './served.js';

export interface ServerOptions {
  models: ServedModel[];
  /** Bearer token(s) a request must carry; each key is one client for the per-client limit. */
  apiKey?: string | string[];
  limits?: Partial<Limits>;
  /** fastify's logger (default off). */
  logger?: boolean;
  /** Abort generations still running this long after close() begins (default 30 s). */
  drainTimeoutMs?: number;
}

export interface AttnscanServer {
  app: FastifyInstance;
  context: ServerContext;
  /** Stops accepting, lets in-flight requests finish (aborting them after drainTimeoutMs), closes. */
  close(): Promise<void>;
}

const OPEN = new Set(['/health']);

export async function createServer(opts: ServerOptions): Promise<AttnscanServer> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const metrics = new ServerMetrics(() => opts.models);
  const ctx = new ServerContext(opts.models, limits, metrics);
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: limits.bodyLimit,
    requestTimeout: 30_000,
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  const keyOf = bearerChecker(opts.apiKey);
  const keyed = normalizeApiKeys(opts.apiKey).length > 0;

  app.addHook('onRequest', async (req, reply) => {
    const started = performance.now();
    reply.raw.once('close', () => {
      const route = req.routeOptions.url ?? 'unmatched';
      metrics.requests.inc({ route, status: String(reply.raw.statusCode) });
      metrics.latency.observe({ route }, (performance.now() - started) / 1000);
    });
    if (OPEN.has(req.url)) return;
    const key = keyOf(req.headers.authorization);
    ctx.identify(req, keyed ? `key:${key}` : `addr:${req.ip}`);
    if (key < 0) {
      throw new HttpError(401, 'missing or wrong API key (send Authorization: Bearer <key>)', 'invalid_request_error', 'invalid_api_key', null, { 'www-authenticate': 'Bearer' });
    }
  });

  app.setErrorHandler((err, req, reply) => {
    const a = toErrorAnswer(err);
    if (a.internal) req.log.error({ err }, 'request failed');
    if (reply.sent || reply.raw.headersSent) return;
    void reply.code(a.status).headers(a.headers).send(a.body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: { message: maskPaths(`no route ${req.method} ${req.url.split('?')[0].slice(0, 200)}`), type: 'invalid_request_error', param: null, code: 'not_found' } });
  });

  app.get('/health', async (_req, reply) => {
    if (ctx.draining) return reply.code(503).send({ status: 'draining' });
    return { status: 'ok', models: [...ctx.models.keys()] };
  });
  app.get('/v1/models', async () => ({
    object: 'list',
    data: [...ctx.models.values()].map((s) => ({ id: s.name, object: 'model', created: s.created, owned_by: 'attnscan', architecture: s.model.architecture })),
  }));
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  generationRoutes(app, ctx);
  encoderRoutes(app, ctx);
  await app.ready();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      ctx.draining = true;
      const force = setTimeout(() => {
        for (const ac of ctx.inflight) ac.abort();
      }, opts.drainTimeoutMs ?? 30_000);
      try {
        await app.close();
      } finally {
        clearTimeout(force);
      }
    })());
  return { app, context: ctx, close };
}
