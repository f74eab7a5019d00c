// npm run bench:models [-- --quick] [--tiny] [--only llama-f16,bert-f32] [--no-ts] [--threads N] [--kv-cache f16] [--out file]
// Builds (or reuses) synthetic checkpoints of real sizes (checkpoints.ts), runs every configuration
// in a fresh child process per backend (measure.ts), prints the table and writes JSON
// (bench/results/models.json by default) plus the same as a markdown section (models.md next to it).
// The TS backend runs smaller workloads (its plan says which); figures are never extrapolated.
// --quick: small token counts; --tiny: toy configs instead of real sizes (smoke test).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { backendInfo, listIsas, setThreads } from '../../lib/index.js';
import { probeMemoryBandwidth } from '../../lib/probes.js';
import { fmtNum, machineBase, plural } from '../lib/util.js';
import { type CheckpointSpec, ensureCheckpoint, specs, tensorBytes } from './checkpoints.js';
import type { MeasurePlan, MeasureResult } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

export interface ModelBenchOptions {
  quick: boolean;
  tiny: boolean;
  only?: string[];
  includeTs: boolean;
  threads?: number;
  /** Decoders' self K/V cache storage (loadModel's kvCache; default: the checkpoint's). */
  kvCache?: 'f32' | 'f16';
  out?: string;
  cacheDir?: string;
  log?: (s: string) => void;
}

export interface ModelRow {
  config: string;
  backend: 'native' | 'ts';
  status: 'ok' | 'failed';
  plan: Omit<MeasurePlan, 'dir' | 'backend'>;
  result?: MeasureResult;
  /** llama-f16 native decode: weight bytes per token and the bandwidth roofline. */
  roofline?: {
    weightBytesPerToken: number;
    /** The larger of the read probes taken right before and right after this row's child. */
    bandwidthGBs: number;
    probesGBs: { before: number; after: number };
    rooflineTokensPerS: number;
    fraction: number;
  };
  note?: string;
}

type Plan = Omit<MeasurePlan, 'dir' | 'backend' | 'kind' | 'threads'>;

/** Workloads per kind, mode and backend; the TS twin gets smaller ones (labelled in the table). */
function planFor(kind: CheckpointSpec['kind'], backend: 'native' | 'ts', quick: boolean): Plan {
  const ts = backend === 'ts';
  if (kind === 'bert') return ts ? { batch: 1, seq: quick ? 16 : 32, repeats: 1 } : { batch: quick ? 2 : 8, seq: 128, repeats: quick ? 1 : 3 };
  if (kind === 'llama') return ts ? { prefillTokens: quick ? 8 : 32, decodeTokens: quick ? 2 : 8 } : { prefillTokens: quick ? 64 : 512, decodeTokens: quick ? 16 : 128, runs: quick ? 1 : 3 };
  // Mamba: positions 128 and 2048 native; the TS twin cannot prefill 2048 tokens in reasonable time.
  if (ts) return { prefillTokens: quick ? 8 : 32, decodeTokens: quick ? 2 : 8, decodePositions: [quick ? 8 : 32] };
  return { prefillTokens: quick ? 64 : 512, decodeTokens: quick ? 16 : 128, decodePositions: quick ? [128, 512] : [128, 2048] };
}

function tinyPlan(p: Plan): Plan {
  const c = (x: number | undefined) => (x === undefined ? undefined : Math.min(x, 16));
  return {
    ...p,
    ...(p.prefillTokens ? { prefillTokens: c(p.prefillTokens) } : {}),
    ...(p.decodeTokens ? { decodeTokens: Math.min(p.decodeTokens, 4) } : {}),
    ...(p.decodePositions ? { decodePositions: p.decodePositions.map((x, i) => Math.min(x, 16 << (2 * i))) } : {}),
    ...(p.seq ? { seq: c(p.seq), batch: Math.min(p.batch ?? 1, 2) } : {}),
  };
}

function runChild(plan: MeasurePlan, timeoutS: number): MeasureResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'measure.ts'), JSON.stringify(plan)], {
    cwd: root,
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    maxBuffer: 16 * 2 ** 20,
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT ') || l.startsWith('ERROR '));
  if (line?.startsWith('RESULT ')) return JSON.parse(line.slice(7)) as MeasureResult;
  const why = line ? (JSON.parse(line.slice(6)) as string) : r.error ? r.error.message : `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
  throw new Error(why);
}

function fmt(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? '' : fmtNum(x, digits);
}

const columns: [string, number, (r: ModelRow) => string][] = [
  ['config', 16, (r) => r.config],
  ['backend', 7, (r) => r.backend],
  ['load s', 7, (r) => fmt(r.result?.loadS, 2)],
  ['peak RSS MiB', 12, (r) => fmt(r.result?.peakRssMiB, 0)],
  ['prefill tok/s', 18, (r) => (r.result?.prefill ? `${fmt(r.result.prefill.tokensPerS)} (${r.result.prefill.tokens})` : '')],
  ['decode tok/s', 34, (r) => (r.result?.decode ?? []).map((d) => `${fmt(d.tokensPerS)} @${d.position} (${d.tokens})`).join(', ')],
  ['seq/s', 16, (r) => (r.result?.encoder ? `${fmt(r.result.encoder.sequencesPerS)} (${r.result.encoder.batch}x${r.result.encoder.seq})` : '')],
  ['roofline', 9, (r) => (r.roofline ? `${(100 * r.roofline.fraction).toFixed(0)}%` : '')],
];

function tableHeader(): string {
  const head = columns.map(([h, w]) => h.padEnd(w)).join(' ');
  return `${head}  note\n${'-'.repeat(head.length + 6)}`;
}

function tableRow(r: ModelRow): string {
  if (r.status !== 'ok') return `${r.config.padEnd(16)} ${r.backend.padEnd(7)} failed: ${r.note ?? ''}`;
  return `${columns.map(([, w, f]) => f(r).padEnd(w)).join(' ')}  ${r.note ?? ''}`.trimEnd();
}

function markdownTable(rows: ModelRow[]): string {
  const head = `| ${columns.map(([h]) => h).join(' | ')} | note |`;
  const sep = `|${columns.map(() => '---').join('|')}|---|`;
  const body = rows.map((r) => (r.status !== 'ok' ? `| ${r.config} | ${r.backend} | failed: ${r.note ?? ''} |` : `| ${columns.map(([, , f]) => f(r)).join(' | ')} | ${r.note ?? ''} |`));
  return [head, sep, ...body].join('\n');
}

export interface ModelBenchReport {
  command: string;
  mode: string;
  date: string;
  machine: ReturnType<typeof machineBase> & { backend: string; isas: string[]; threads: number; loadavgEnd?: number[]; memoryReadGBs?: number };
  rows: ModelRow[];
}

export function markdownReport(r: ModelBenchReport): string {
  const m = r.machine;
  const loaded = m.loadavgStart[0] > m.logicalCpus * 0.5 || (m.loadavgEnd?.[0] ?? 0) > m.logicalCpus * 0.5;
  return [
    `Command: \`${r.command}\` (${r.mode}), ${r.date}.`,
    '',
    `Machine: ${m.cpu}, ${m.logicalCpus} logical CPUs, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}; backend ${m.backend}, ` +
      `ISAs ${m.isas.join(' ')}, ${plural(m.threads, 'thread')}; memory read ${m.memoryReadGBs?.toFixed(1) ?? '?'} GB/s; load average ` +
      `${m.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at the start, ${(m.loadavgEnd ?? []).map((x) => x.toFixed(2)).join(' ')} at the end` +
      (loaded ? ' (the machine was shared with other jobs: figures are low and noisy).' : '.'),
    '',
    markdownTable(r.rows),
    '',
  ].join('\n');
}

function weightBytesPerToken(s: CheckpointSpec): number {
  const hidden = s.config.hidden_size as number;
  const el = s.dtype === 'F16' ? 2 : 4;
  // An embedding lookup reads one row, not the table; every other weight is read once per token.
  return tensorBytes(s).reduce((a, t) => a + (/embed_tokens|embeddings\.|\.embeddings?\b/.test(t.name) ? hidden * el : t.bytes), 0);
}

export function runModelBench(opts: ModelBenchOptions): ModelBenchReport {
  const log = opts.log ?? ((s: string) => console.log(s));
  if (opts.threads !== undefined) setThreads(opts.threads);
  const info = backendInfo();
  const mode = `${opts.quick ? 'quick' : 'full'}${opts.tiny ? ', tiny configs' : ''}`;
  const args = process.argv.slice(2);
  const report: ModelBenchReport = {
    command: `npm run bench:models${args.length ? ` -- ${args.join(' ')}` : ''}`,
    mode,
    date: new Date().toISOString(),
    machine: { ...machineBase(), backend: info.backend + (info.reason ? ` (${info.reason})` : ''), isas: listIsas(), threads: info.threads },
    rows: [],
  };
  const nativeOk = info.backend === 'native';
  // Best of three: the first probe in a process also pays for faulting its buffer in, and
  // measured half the bandwidth here (32 vs 64 GB/s), which flattered the roofline fraction.
  const probe = () => {
    const one = () => probeMemoryBandwidth({ bytes: (opts.tiny ? 8 : opts.quick ? 128 : 512) * 2 ** 20, passes: opts.quick || opts.tiny ? 3 : 5 }).readGBs;
    return Math.max(one(), one(), one());
  };
  if (nativeOk) report.machine.memoryReadGBs = probe();
  log(`attnscan model benchmarks (${mode}): ${report.machine.cpu}, ${plural(info.threads, 'thread')}, ` +
    `memory read ${report.machine.memoryReadGBs?.toFixed(1) ?? '?'} GB/s, K/V cache ${opts.kvCache ?? "each checkpoint's default"}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const cache = opts.cacheDir ?? join(root, 'build-bench', 'models');
  const chosen = specs(opts.tiny).filter((s) => !opts.only?.length || opts.only.some((o) => s.name === o || s.name.includes(o)));
  const backends: ('native' | 'ts')[] = [...(nativeOk ? ['native' as const] : []), ...(opts.includeTs ? ['ts' as const] : [])];
  log(tableHeader());
  for (const s of chosen) {
    const ck = ensureCheckpoint(cache, s);
    if (ck.built) log(`  (built ${s.name} in ${ck.seconds.toFixed(1)} s: ${ck.dir})`);
    for (const backend of backends) {
      let plan: Plan = planFor(s.kind, backend, opts.quick);
      if (opts.tiny) plan = tinyPlan(plan);
      const row: ModelRow = { config: s.name, backend, status: 'ok', plan: { kind: s.kind, ...plan } };
      if (backend === 'ts') row.note = 'TS: smaller workload (counts in parentheses)';
      try {
        // This VM's bandwidth drifts by up to 2x within minutes, so the roofline's bandwidth is
        // probed right before and right after the child that decodes (the larger counts).
        const roofline = s.kind === 'llama' && s.dtype === 'F16' && backend === 'native';
        const before = roofline ? probe() : 0;
        const settings = { ...(opts.threads ? { threads: opts.threads } : {}), ...(opts.kvCache ? { kvCache: opts.kvCache } : {}) };
        row.result = runChild({ dir: ck.dir, kind: s.kind, backend, ...settings, ...plan }, opts.tiny ? 60 : opts.quick ? 300 : 1800);
        const dec = row.result.decode?.[0];
        if (roofline && dec) {
          const after = probe();
          const bw = Math.max(before, after);
          const bytes = weightBytesPerToken(s);
          const rooflineTokensPerS = (bw * 1e9) / bytes;
          row.roofline = { weightBytesPerToken: bytes, bandwidthGBs: bw, probesGBs: { before, after }, rooflineTokensPerS, fraction: dec.tokensPerS / rooflineTokensPerS };
          row.note = `f16 weights ${(bytes / 2 ** 20).toFixed(0)} MiB/token; roofline ${rooflineTokensPerS.toFixed(1)} tok/s at ` +
            `${bw.toFixed(1)} GB/s (read probe ${before.toFixed(1)} before, ${after.toFixed(1)} after; ${row.result.kvCache ?? opts.kvCache ?? '?'} K/V-cache reads not counted; decode median of ${dec.runsTokensPerS?.map((x) => x.toFixed(1)).join(', ') ?? 'one run'})`;
        }
        const d = row.result.decode ?? [];
        if (s.kind === 'mamba' && d.length >= 2) {
          const a = d[d.length - 2];
          const b = d[d.length - 1];
          row.note = `${row.note ? `${row.note}; ` : ''}decode @${b.position} / @${a.position} = ${(b.tokensPerS / a.tokensPerS).toFixed(2)} (flat = 1)`;
        }
      } catch (e) {
        row.status = 'failed';
        row.note = e instanceof Error ? e.message : String(e);
      }
      report.rows.push(row);
      log(tableRow(row));
    }
  }
  report.machine.loadavgEnd = loadavg();
  const out = opts.out ?? join(root, 'bench', 'results', 'models.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  const md = out.replace(/\.json$/, '') + '.md';
  writeFileSync(md, markdownReport(report));
  log(`\nwrote ${out} and ${md}`);
  return report;
}

function parseArgs(argv: string[]): ModelBenchOptions {
  const o: ModelBenchOptions = { quick: false, tiny: false, includeTs: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--tiny') o.tiny = true;
    else if (a === '--no-ts') o.includeTs = false;
    else if (a === '--only') o.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--threads') o.threads = Number(argv[++i]);
    else if (a === '--kv-cache') {
      const kv = argv[++i];
      if (kv !== 'f32' && kv !== 'f16') throw new Error(`bench:models: --kv-cache must be f32 or f16, got ${kv}`);
      o.kvCache = kv;
    }
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--cache') o.cacheDir = argv[++i];
    else throw new Error(`bench:models: unknown argument ${a}`);
  }
  return o;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const report = runModelBench(parseArgs(process.argv.slice(2)));
  if (report.rows.some((r) => r.status !== 'ok')) process.exitCode = 1;
}
