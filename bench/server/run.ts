// npm run bench:server [-- --quick] [--tiny] [--only llama,mamba,bert] [--concurrency 1,8,32]
//   [--tokens N] [--requests N] [--cache DIR] [--work DIR] [--out FILE]
// The HTTP server under load on loopback: `attnscan serve` in a child process over the synthetic
// LLaMA- and Mamba-shaped checkpoints of the model benchmarks (bench/models/checkpoints.ts, with a
// byte-level tokenizer for their vocabulary), driven by our fetch client at each concurrency:
// aggregate generated tokens/s, time to first token and request latency p50/p99, and the server's
// event-loop delay p99 and RSS (scraped from its /metrics). JSON to bench/results/server.json and
// the same as markdown (server.md next to it). The BERT-base-shaped checkpoint serves
// /v1/embeddings: requests/s and latency at the same concurrencies.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

import { machineBase } from '../lib/util.js';
import { type EmbedLevelResult, type LevelResult, runEmbedLevel, runLevel } from './client.js';
import { root, servable as servableCheckpoint, startServer as startChild } from './serve.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    tiny: { type: 'boolean' },
    only: { type: 'string' },
    concurrency: { type: 'string' },
    tokens: { type: 'string' },
    requests: { type: 'string' },
    cache: { type: 'string' },
    work: { type: 'string' },
    out: { type: 'string' },
  },
});
const quick = values.quick ?? false;
const levels = (values.concurrency ?? '1,8,32').split(',').map(Number);
const tokens = Number(values.tokens ?? (quick ? 16 : 64));
const requestsPerStream = Number(values.requests ?? (quick ? 1 : 4));
const only = values.only?.split(',') ?? ['llama', 'mamba', 'bert'];
const cache = values.cache ?? join(root, 'build-bench', 'models');
/** Where the served folders (linked weights + tokenizer) go. */
const work = values.work ?? join(root, 'build-bench', 'server');
const out = values.out ?? join(root, 'bench', 'results', values.tiny ? 'server-tiny.json' : 'server.json');

const servable = (kind: 'llama' | 'mamba' | 'bert') => servableCheckpoint(kind, values.tiny ?? false, cache, work);
const startServer = (name: string, dir: string) => startChild(['-m', `${name}=${dir}`, '--max-streams-per-client', '1000']);

interface ModelResult {
  model: string;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** The same server idle for 3 s (1 s with --tiny): what the machine alone does to the loop. */
  idleEventLoopDelayP99Ms: number;
  levels: (LevelResult & { eventLoopDelayP99Ms: number })[];
}

const LAG = 'attnscan_nodejs_eventloop_lag_p99_seconds';
const RSS = 'attnscan_process_resident_memory_bytes';
const mib = (b: number) => Math.round(b / 2 ** 20);

async function benchModel(kind: 'llama' | 'mamba'): Promise<ModelResult> {
  const { name, dir } = servable(kind);
  const server = await startServer(name, dir);
  try {
    const body = { model: name, prompt: 'The quick brown fox jumps over the lazy dog again and', max_tokens: tokens, temperature: 0, ignore_eos: true };
    await runLevel(server.url, 1, 1, { ...body, max_tokens: 2 });
    const rssBefore = await server.metric(RSS);
    await server.metric(LAG);
    await new Promise((r) => setTimeout(r, values.tiny ? 1000 : 3000));
    const idleLag = (await server.metric(LAG)) * 1000;
    console.log(`${name} idle: loop delay p99 ${idleLag.toFixed(1)} ms`);
    const results: ModelResult['levels'] = [];
    for (const c of levels) {
      await server.metric(LAG);
      const r = await runLevel(server.url, c, requestsPerStream, body);
      const lag = await server.metric(LAG);
      results.push({ ...r, eventLoopDelayP99Ms: lag * 1000 });
      console.log(
        `${name} c=${c}: ${r.aggregateTokensPerS.toFixed(1)} tok/s aggregate, TTFT p50 ${r.ttftMs.p50.toFixed(0)} / p99 ${r.ttftMs.p99.toFixed(0)} ms, latency p50 ${r.latencyMs.p50.toFixed(0)} / p99 ${r.latencyMs.p99.toFixed(0)} ms, loop delay p99 ${(lag * 1000).toFixed(1)} ms${r.failed ? `, ${r.failed} failed` : ''}`,
      );
    }
    return { model: name, rssBeforeMiB: mib(rssBefore), rssAfterMiB: mib(await server.metric(RSS)), idleEventLoopDelayP99Ms: idleLag, levels: results };
  } finally {
    await server.stop();
  }
}

interface EmbedResult {
  model: string;
  levels: EmbedLevelResult[];
}

async function benchEmbeddings(): Promise<EmbedResult> {
  const { name, dir } = servable('bert');
  const server = await startServer(name, dir);
  try {
    const body = { model: name, input: 'The quick brown fox jumps over the lazy dog.' };
    await runEmbedLevel(server.url, 1, 2, body);
    const results: EmbedLevelResult[] = [];
    for (const c of levels) {
      const r = await runEmbedLevel(server.url, c, quick ? 4 : 16, body);
      results.push(r);
      console.log(`${name} embeddings c=${c}: ${r.requestsPerS.toFixed(1)} requests/s, latency p50 ${r.latencyMs.p50.toFixed(0)} / p99 ${r.latencyMs.p99.toFixed(0)} ms${r.failed ? `, ${r.failed} failed` : ''}`);
    }
    return { model: name, levels: results };
  } finally {
    await server.stop();
  }
}

function embedMarkdown(e: EmbedResult | undefined): string[] {
  if (!e) return [];
  return [
    `Embeddings (${e.model}, one 11-token text per request, ${quick ? 4 : 16} requests per client):`,
    '',
    '| model | clients | requests | requests/s | latency p50 / p99 (ms) |',
    '|---|---|---|---|---|',
    ...e.levels.map((l) => `| ${e.model} | ${l.concurrency} | ${l.requests}${l.failed ? ` (${l.failed} failed)` : ''} | ${l.requestsPerS.toFixed(1)} | ${l.latencyMs.p50.toFixed(0)} / ${l.latencyMs.p99.toFixed(0)} |`),
    '',
  ];
}

function markdown(meta: Record<string, unknown>, models: ModelResult[], embed: EmbedResult | undefined): string {
  return [
    `Run ${String(meta.date)}, ${String(meta.mode)}; ${String(meta.cpu)}, ${String(meta.logicalCpus)} vCPUs, load average ${(meta.loadavgStart as number[]).map((x) => x.toFixed(1)).join(' ')} at start.`,
    ...(models.length === 0 ? [''] : generationMarkdown(models)),
    ...embedMarkdown(embed),
  ].join('\n');
}

function generationMarkdown(models: ModelResult[]): string[] {
  const rows = models.flatMap((m) =>
    m.levels.map((l) =>
      `| ${m.model} | ${l.concurrency} | ${l.requests}${l.failed ? ` (${l.failed} failed)` : ''} | ${l.generatedTokens} | ${l.aggregateTokensPerS.toFixed(1)} | ${l.ttftMs.p50.toFixed(0)} / ${l.ttftMs.p99.toFixed(0)} | ${l.latencyMs.p50.toFixed(0)} / ${l.latencyMs.p99.toFixed(0)} | ${l.eventLoopDelayP99Ms.toFixed(1)} |`,
    ),
  );
  return [
    `Each request: ${tokens} new tokens (ignore_eos, greedy) after a 12-token prompt; ${requestsPerStream} request(s) per stream.`,
    '',
    '| model | streams | requests | tokens | aggregate tok/s | TTFT p50 / p99 (ms) | latency p50 / p99 (ms) | server loop delay p99 (ms) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...models.map((m) => `- ${m.model}: server RSS ${m.rssBeforeMiB} MiB after warm-up, ${m.rssAfterMiB} MiB after the run; loop delay p99 of the idle server ${m.idleEventLoopDelayP99Ms.toFixed(1)} ms.`),
    '',
    "Loop delay: prom-client's monitorEventLoopDelay at 10 ms resolution, reset at each scrape; a value includes the 10 ms sampling interval.",
    '',
  ];
}

const meta = { ...machineBase(), date: new Date().toISOString(), mode: quick ? 'quick' : 'full', tiny: values.tiny ?? false, tokens, requestsPerStream, levels };
const models: ModelResult[] = [];
for (const kind of only.filter((k): k is 'llama' | 'mamba' => k === 'llama' || k === 'mamba')) models.push(await benchModel(kind));
const embeddings = only.includes('bert') ? await benchEmbeddings() : undefined;
const result = { meta: { ...meta, loadavgEnd: loadavg() }, models, embeddings };
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(out.replace(/\.json$/, '.md'), markdown(meta, models, embeddings));
console.log(`wrote ${out}`);
