// npm run soak -- [--minutes N] [--rate R | --streams C] [--sample S] [--mix complete=4,...]
//   [--tokens N] [--model NAME=DIR ...] [--synthetic llama|mamba [--tiny] [--cache DIR] [--work DIR]]
//   [--label NAME] [--out DIR] [--no-scrape] [--max-outstanding N]
// A long run of `attnscan serve` (child process) under steady load, to show that memory stays flat
// and latency stable. Open loop by default: R requests/s started on a fixed clock whatever the
// answers do (a slow server shows up as latency, not as a lighter load), mixing completions,
// streamed completions, embeddings and streams the client abandons after the first token. With
// --streams C: C clients instead, each sending its next request when the last one ends (closed
// loop, the server's batch stays C wide). Every S seconds: the child's RSS (/proc), its JS heap,
// external memory, event-loop delay p99 and reserved cache bytes (/metrics), and the window's
// client-side latency p50/p99 (--no-scrape: RSS and latency only). One CSV row per window; the
// summary (RSS first/last/max, the least-squares slope after warm-up, p99 per window) is printed
// and written as JSON and markdown.
// Models: the embedded defaults (what `attnscan serve` runs with no --model), or --model, or
// --synthetic KIND (the model benchmarks' checkpoint, cached under build-bench/).
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { machineBase } from '../lib/util.js';
import { metricValue, root, servable, startServer } from '../server/serve.js';
import { type Kind, parseMix, pick, request, type Targets, Window, type WindowStats } from './load.js';
import { type Row, markdown, summarize } from './report.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    rate: { type: 'string' },
    streams: { type: 'string' },
    sample: { type: 'string' },
    mix: { type: 'string' },
    tokens: { type: 'string' },
    model: { type: 'string', multiple: true },
    synthetic: { type: 'string' },
    tiny: { type: 'boolean' },
    cache: { type: 'string' },
    work: { type: 'string' },
    label: { type: 'string' },
    out: { type: 'string' },
    'max-outstanding': { type: 'string' },
    'no-scrape': { type: 'boolean' },
  },
});

const minutes = Number(values.minutes ?? 60);
const rate = Number(values.rate ?? 2);
const streams = values.streams === undefined ? 0 : Number(values.streams);
const sampleS = Number(values.sample ?? 15);
const maxTokens = Number(values.tokens ?? 16);
const maxOutstanding = Number(values['max-outstanding'] ?? 64);
/** Leave /metrics alone (RSS only, from /proc): state that only a scrape trims would grow unseen otherwise. */
const scrape = !values['no-scrape'];
const label = values.label ?? (streams ? `streams${streams}` : `rate${rate}`);
const outDir = values.out ?? join(root, 'bench', 'results');
const synthetic = values.synthetic as 'llama' | 'mamba' | undefined;
const mix = parseMix(values.mix ?? (synthetic ? 'stream=9,cancel=1' : 'complete=3,stream=3,embed=3,cancel=1'));
if (!(minutes > 0) || !(sampleS >= 1) || !(rate > 0) || !(streams >= 0)) throw new Error('--minutes, --sample and --rate must be positive');

let serveArgs: string[] = ['--max-streams-per-client', '1000'];
if (synthetic) {
  const cache = values.cache ?? join(root, 'build-bench', 'models');
  const { name, dir } = servable(synthetic, values.tiny ?? false, cache, values.work ?? join(root, 'build-bench', 'server'));
  serveArgs.push('-m', `${name}=${dir}`);
}
for (const m of values.model ?? []) serveArgs.push('-m', m);

const server = await startServer(serveArgs);
const listed = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string; architecture: string }[] };
const encoder = (a: string) => /bert|roberta|albert|electra/i.test(a);
const targets: Targets = {
  url: server.url,
  genModel: listed.data.find((m) => !encoder(m.architecture))?.id,
  embedModel: listed.data.find((m) => encoder(m.architecture))?.id,
  maxTokens,
};
const usable = mix.filter(([k]) => (k === 'embed' ? targets.embedModel : targets.genModel) !== undefined);
console.log(`soak ${label}: ${server.url} pid ${server.pid}, models ${listed.data.map((m) => `${m.id} (${m.architecture})`).join(', ')}; ${streams ? `${streams} closed-loop streams` : `${rate} requests/s`}, mix ${usable.map(([k, w]) => `${k}=${w}`).join(',')}, ${maxTokens} tokens, ${minutes} min, sample every ${sampleS} s`);

const window = new Window();
let seq = 0;
let outstanding = 0;
let skipped = 0;
let stopping = false;
const pending = new Set<Promise<void>>();

function launch(kind: Kind): Promise<void> {
  const i = seq++;
  outstanding++;
  const p = request(targets, kind, i).then((s) => {
    window.add(s);
    outstanding--;
  });
  pending.add(p);
  void p.finally(() => pending.delete(p));
  return p;
}

let u = 0.5;
/** Deterministic mix: a golden-ratio sequence spreads the kinds evenly in any stretch of time. */
const nextKind = () => pick(usable, (u = (u + 0.6180339887498949) % 1));

const loadDone = (async () => {
  if (streams > 0) {
    await Promise.all(
      Array.from({ length: streams }, async () => {
        while (!stopping) await launch(nextKind());
      }),
    );
    return;
  }
  const period = 1000 / rate;
  const t0 = performance.now();
  for (let n = 0; !stopping; n++) {
    const wait = t0 + n * period - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (stopping) break;
    if (outstanding >= maxOutstanding) skipped++;
    else void launch(nextKind());
  }
})();

const rows: Row[] = [];
const tStart = performance.now();
const csvPath = join(outDir, `soak-${label}.csv`);
mkdirSync(outDir, { recursive: true });
const columns = ['t_s', 'rss_mib', 'rss_anon_mib', 'rss_file_mib', 'heap_used_mib', 'heap_total_mib', 'external_mib', 'cache_mib', 'loop_delay_p99_ms', 'requests', 'failed', 'refused', 'skipped', 'tokens', 'p50_ms', 'p99_ms', 'ttft_p99_ms', 'complete_p99_ms', 'stream_p99_ms', 'embed_p99_ms', 'cancel_ttft_p99_ms', 'loadavg1'];
const csv = [columns.join(',')];
const mib = (b: number) => b / 2 ** 20;

async function sample(): Promise<void> {
  const text = scrape ? await server.metrics() : '';
  const w: WindowStats = window.take();
  const memory = server.memory();
  const cache = [...text.matchAll(/^attnscan_scheduler\{[^}]*stat="cacheBytes"[^}]*\} (\S+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
  const row: Row = {
    tS: (performance.now() - tStart) / 1000,
    rssMiB: mib(memory.rss),
    anonMiB: mib(memory.anon),
    fileMiB: mib(memory.file),
    heapUsedMiB: mib(metricValue(text, 'attnscan_nodejs_heap_size_used_bytes')),
    heapTotalMiB: mib(metricValue(text, 'attnscan_nodejs_heap_size_total_bytes')),
    externalMiB: mib(metricValue(text, 'attnscan_nodejs_external_memory_bytes')),
    cacheMiB: mib(cache),
    loopDelayP99Ms: metricValue(text, 'attnscan_nodejs_eventloop_lag_p99_seconds') * 1000,
    skipped,
    load1: loadavg()[0],
    ...w,
  };
  skipped = 0;
  rows.push(row);
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '');
  csv.push(
    [f(row.tS, 0), f(row.rssMiB), f(row.anonMiB), f(row.fileMiB), f(row.heapUsedMiB), f(row.heapTotalMiB), f(row.externalMiB), f(row.cacheMiB, 2), f(row.loopDelayP99Ms), w.requests, w.failed, w.refused, row.skipped, w.tokens, f(w.p50Ms), f(w.p99Ms), f(w.ttftP99Ms), f(w.byKindP99Ms.complete), f(w.byKindP99Ms.stream), f(w.byKindP99Ms.embed), f(w.byKindP99Ms.cancel), f(row.load1, 2)].join(','),
  );
  writeFileSync(csvPath, `${csv.join('\n')}\n`);
  console.log(`${f(row.tS, 0).padStart(5)} s  RSS ${f(row.rssMiB)} MiB (anon ${f(row.anonMiB)})  heap ${f(row.heapUsedMiB)} MiB  ext ${f(row.externalMiB)} MiB  ${w.requests} req (${w.failed} failed${skipped ? `, ${row.skipped} skipped` : ''})  p50 ${f(w.p50Ms, 0)} / p99 ${f(w.p99Ms, 0)} ms  loop p99 ${f(row.loopDelayP99Ms)} ms  load ${f(row.load1, 2)}`);
}

const meta = { ...machineBase(), date: new Date().toISOString(), label, minutes, rate: streams ? undefined : rate, streams: streams || undefined, sampleS, maxTokens, mix: usable, serveArgs, models: listed.data };
let exitCode = 0;
try {
  if (scrape) await server.metrics(); // resets the loop-delay histogram so the first window is its own
  const end = tStart + minutes * 60_000;
  for (let next = tStart + sampleS * 1000; next <= end + 1; next += sampleS * 1000) {
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    await sample();
  }
} catch (e) {
  exitCode = 1;
  console.error(`soak: ${(e as Error).message}\n${server.stderr().slice(-2000)}`);
} finally {
  stopping = true;
  await loadDone;
  await Promise.all([...pending]);
  await server.stop();
}
const summary = summarize(rows);
const result = { meta: { ...meta, loadavgEnd: loadavg() }, summary, rows };
writeFileSync(join(outDir, `soak-${label}.json`), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(outDir, `soak-${label}.md`), markdown(result.meta, summary, rows));
console.log(markdown(result.meta, summary, rows));
console.log(`wrote ${csvPath}`);
process.exitCode = exitCode;
