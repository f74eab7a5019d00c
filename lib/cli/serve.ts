// attnscan serve: the OpenAI-compatible HTTP server over one or more checkpoint folders. SIGTERM
// or SIGINT drains in-flight requests, frees the models and exits 0.
import { ModelNotFoundError } from '../errors.js';
import { DEFAULT_FOR_TASK } from '../models/defaults.js';
import { createServer } from '../server/app.js';
import { DEFAULT_LIMITS } from '../server/context.js';
import type { ModelSpec, ServedModel } from '../server/served.js';
import { type Command, intOption, KV_CACHE_OPTION, load, MODEL_OPTIONS, modelSpec, parse, UsageError } from './common.js';

const options = {
  ...MODEL_OPTIONS,
  model: { type: 'string', short: 'm', multiple: true },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'api-key': { type: 'string', multiple: true },
  'max-tokens': { type: 'string' },
  'max-prompt-tokens': { type: 'string' },
  'max-streams-per-client': { type: 'string' },
  'body-limit': { type: 'string' },
  'drain-timeout': { type: 'string' },
  log: { type: 'boolean' },
  ...KV_CACHE_OPTION,
} as const;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'an OpenAI-compatible HTTP server (completions, chat, embeddings, classify)',
  usage: `attnscan serve [options]

Endpoints: POST /v1/completions, /v1/chat/completions (stream: true for SSE), /v1/embeddings,
/v1/classify; GET /v1/models, /health, /metrics (Prometheus).
Options:
  -m, --model DIR | NAME=DIR     a checkpoint folder, served as NAME (default: the folder's name);
                                 repeatable; default: the embedded generation and embedding models
  -p, --port N                   default 8080 (0: any free port)
      --host ADDR                default 127.0.0.1 (loopback only)
      --api-key KEY              require "Authorization: Bearer KEY"; repeatable (one key per client:
                                 the stream limit counts per key); or ATTNSCAN_API_KEY=KEY[,KEY...]
      --max-tokens N             largest max_tokens a request may ask (default ${DEFAULT_LIMITS.maxTokens})
      --max-prompt-tokens N      longest prompt (default ${DEFAULT_LIMITS.maxPromptTokens})
      --max-streams-per-client N requests one client may have running, 429 beyond: a client is
                                 its API key, or its address without keys (default ${DEFAULT_LIMITS.maxStreamsPerClient})
      --body-limit BYTES         largest request body (default ${DEFAULT_LIMITS.bodyLimit})
      --drain-timeout SECONDS    on SIGTERM, abort what still runs after this (default 30)
      --log                      request log (JSON lines) on stdout
      --kv-cache f32|f16         decoder K/V cache storage (default: f16 for F16 checkpoints, else
                                 f32; f16 halves the cache bytes and the bytes a decode step reads)
      --no-huge-pages            map the weights from the page cache instead of copying them into
                                 huge pages (Linux default): no copy at load, shared between processes
      --backend NAME, --threads N, --json (print the listening address as JSON), -h/--help`,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, false);
    void positionals;
    const port = intOption('port', values.port, 0) ?? 8080;
    if (port > 65535) throw new UsageError('--port must be <= 65535');
    const host = values.host ?? '127.0.0.1';
    const apiKey = apiKeys(values['api-key'], io.env.ATTNSCAN_API_KEY);
    const limits = Object.fromEntries(
      Object.entries({
        maxTokens: intOption('max-tokens', values['max-tokens'], 1),
        maxPromptTokens: intOption('max-prompt-tokens', values['max-prompt-tokens'], 1),
        maxStreamsPerClient: intOption('max-streams-per-client', values['max-streams-per-client'], 1),
        bodyLimit: intOption('body-limit', values['body-limit'], 1024),
      }).filter(([, v]) => v !== undefined),
    );
    const drainSeconds = intOption('drain-timeout', values['drain-timeout'], 0) ?? 30;
    const specs = defaultSpecs(values.model ?? [], io);
    const names = new Set<string>();
    for (const s of specs) {
      if (names.has(s.name)) throw new UsageError(`two models are named '${s.name}'; name them with --model NAME=DIR`);
      names.add(s.name);
    }
    const models: ServedModel[] = [];
    try {
      for (const spec of specs) models.push(await load(spec, values, io));
    } catch (e) {
      await Promise.all(models.map((m) => m.model.dispose()));
      throw e;
    }
    const server = await createServer({ models, apiKey, limits, logger: values.log ?? false, drainTimeoutMs: drainSeconds * 1000 });
    const address = await server.app.listen({ port, host });
    if (apiKey.length === 0 && !['127.0.0.1', '::1', 'localhost'].includes(host)) {
      io.err.write(`attnscan: warning: listening on ${host} without --api-key: anyone who can reach this address can use the models\n`);
    }
    if (values.json) io.out.write(`${JSON.stringify({ url: address, models: models.map((m) => ({ name: m.name, architecture: m.model.architecture })) })}\n`);
    else {
      io.err.write(`attnscan: serving ${models.map((m) => `${m.name} (${m.model.architecture})`).join(', ')} on ${address}${apiKey.length > 0 ? ' (API key required)' : ''}\n`);
    }
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        io.err.write(`attnscan: ${sig}: draining in-flight requests\n`);
        resolve();
      };
      const onTerm = () => stop('SIGTERM');
      const onInt = () => stop('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
    });
    await server.close();
    await Promise.all(models.map((m) => m.model.dispose()));
    io.err.write('attnscan: stopped\n');
    return 0;
  },
};

/** --api-key values, else the comma-separated ATTNSCAN_API_KEY (empty: no auth); an empty --api-key is a mistake. */
function apiKeys(flags: string[] | undefined, env: string | undefined): string[] {
  if (flags !== undefined) {
    if (flags.some((k) => k.trim() === '')) throw new UsageError('--api-key must not be empty');
    return flags;
  }
  return (env ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
}

/** The --model values, or the embedded models that are installed (one per distinct default). */
function defaultSpecs(values: string[], io: Parameters<Command['run']>[1]): ModelSpec[] {
  if (values.length > 0) return values.map((v) => modelSpec(v, undefined, io));
  const specs: ModelSpec[] = [];
  for (const task of ['text-generation', 'feature-extraction'] as const) {
    try {
      specs.push(modelSpec(undefined, task, io));
    } catch (e) {
      if (!(e instanceof ModelNotFoundError)) throw e;
      io.err.write(`attnscan: ${e.message}\n`);
    }
  }
  if (specs.length === 0) throw new ModelNotFoundError(`no --model given and no embedded model is installed (${[...new Set(Object.values(DEFAULT_FOR_TASK))].join(', ')}); pass --model DIR`);
  return specs;
}
