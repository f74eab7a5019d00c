// npm run bench:peers [-- --quick] [--tiny] [--only llama-f16,mamba] [--threads 1,2] [--runs N] [--no-peers] [--kv-cache f32|f16] [--out file]
// attnscan against llama.cpp (node-llama-cpp, an optional devDependency) on the model benchmark's
// synthetic checkpoints (bench/models/checkpoints.ts), converted to GGUF next to them (convert.ts).
// Per checkpoint: refuse to time unless both give the same next-token log-probs (agree.ts); then,
// per thread count, N runs (default 5) alternating the sides (attnscan first on even runs, llama.cpp
// first on odd ones), each side in a fresh child process (bench/models/measure.ts for attnscan,
// llamacpp.ts for llama.cpp); medians per figure, attnscan ÷ llama.cpp, and each side's fraction of
// the machine's roofline (roofline.ts) with the peaks measured by this run at that thread count.
// Without node-llama-cpp the bench still times attnscan and says what it skipped.
// attnscan's LLaMA runs keep their KV cache in f16 when llama.cpp is timed beside them (llama.cpp's
// default, so both compute the same thing and read the same cache bytes per decode step; the logit
// check then runs attnscan's prefill + a decode step over that f16 cache); f32 when attnscan runs
// alone. --kv-cache overrides.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { backendInfo, listIsas } from '../../lib/index.js';
import { probeFmaPeak, probeMemoryBandwidth } from '../../lib/probes.js';
import { machineBase, median } from '../lib/util.js';
import { type CheckpointSpec, ensureCheckpoint, specs } from '../models/checkpoints.js';
import type { MeasurePlan, MeasureResult } from '../models/measure.js';
import { type Agreement, checkAgreement } from './agree.js';
import { ensureGguf } from './convert.js';
import { importPeer, type PeerPlan } from './llamacpp.js';
import { type Figure, type PeerBenchReport, type Side, markdownReport, printTable } from './report.js';
import { costModel } from './roofline.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

export interface PeerBenchOptions {
  quick: boolean;
  tiny: boolean;
  only?: string[];
  threads: number[];
  runs?: number;
  /** Time attnscan alone, as when node-llama-cpp is not installed. */
  noPeers?: boolean;
  /** attnscan's KV cache for the LLaMA configs: default f16 against llama.cpp, f32 alone. */
  kvCache?: 'f32' | 'f16';
  out?: string;
  cacheDir?: string;
  log?: (s: string) => void;
}

interface Workload { prefillTokens: number; decodeTokens: number; decodePositions: number[] }

function workload(kind: CheckpointSpec['kind'], quick: boolean, tiny: boolean): Workload {
  if (tiny) return { prefillTokens: 16, decodeTokens: 4, decodePositions: kind === 'mamba' ? [8, 32] : [32] };
  if (quick) return { prefillTokens: 128, decodeTokens: 32, decodePositions: kind === 'mamba' ? [128, 512] : [512] };
  return { prefillTokens: 512, decodeTokens: 128, decodePositions: kind === 'mamba' ? [128, 2048] : [2048] };
}

/**
 * Peaks recorded by earlier runs on this machine (bench:kernels, bench:models): on a shared machine
 * this run's probes can all land in busy moments, and a roofline below the measured speed says
 * nothing. Each peak is the best of these and this run's probes.
 */
function recordedPeaks(): { threads: number; fmaGflops: number; readGBs: number; source: string }[] {
  const out: { threads: number; fmaGflops: number; readGBs: number; source: string }[] = [];
  const read = (f: string) => {
    try {
      return JSON.parse(readFileSync(join(root, 'bench', 'results', f), 'utf8')) as Record<string, any>;
    } catch {
      return undefined;
    }
  };
  const k = read('kernels.json');
  if (k?.peaks) {
    out.push({ threads: k.machine.threads, fmaGflops: Math.max(...(Object.values(k.peaks.fmaGflops) as number[])), readGBs: k.peaks.memory?.readGBs ?? 0, source: `kernels.json ${k.date}` });
    if (k.peaks.fmaGflops1Thread) out.push({ threads: 1, fmaGflops: k.peaks.fmaGflops1Thread, readGBs: 0, source: `kernels.json ${k.date}` });
  }
  for (const f of readdirSync(join(root, 'bench', 'results')).filter((x) => /^models.*\.json$/.test(x))) {
    const m = read(f);
    if (m?.machine?.memoryReadGBs) out.push({ threads: m.machine.threads, fmaGflops: 0, readGBs: m.machine.memoryReadGBs, source: `${f} ${m.date}` });
  }
  return out;
}

function child(script: string, plan: unknown, timeoutS: number): MeasureResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, '..', script), JSON.stringify(plan)], {
    cwd: root, encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 16 * 2 ** 20,
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT ') || l.startsWith('ERROR '));
  if (line?.startsWith('RESULT ')) return JSON.parse(line.slice(7)) as MeasureResult;
  throw new Error(line ? (JSON.parse(line.slice(6)) as string) : r.error ? r.error.message : `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
}

/** The figures of one run, keyed like `decode@2048`. */
function figuresOf(r: MeasureResult): Record<string, number> {
  const f: Record<string, number> = { load: r.loadS, rss: r.peakRssMiB };
  if (r.prefill) f.prefill = r.prefill.tokensPerS;
  for (const d of r.decode ?? []) f[`decode@${d.position}`] = d.tokensPerS;
  return f;
}

export async function runPeerBench(opts: PeerBenchOptions): Promise<PeerBenchReport> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const info = backendInfo();
  if (info.backend !== 'native') throw new Error(`bench:peers needs the native addon (${info.reason ?? info.backend})`);
  const runs = opts.runs ?? (opts.tiny ? 1 : opts.quick ? 3 : 5);
  const args = process.argv.slice(2);
  const peer = opts.noPeers ? { mod: undefined, reason: 'disabled by --no-peers' } : await importPeer();
  const report: PeerBenchReport = {
    command: `npm run bench:peers${args.length ? ` -- ${args.join(' ')}` : ''}`,
    mode: `${opts.quick ? 'quick' : 'full'}${opts.tiny ? ', tiny configs' : ''}, ${runs} run${runs === 1 ? '' : 's'} per side`,
    date: new Date().toISOString(),
    machine: { ...machineBase(), isas: listIsas(), peaks: [] },
    peer: peer.mod ? { name: 'node-llama-cpp', version: '3.21.1' } : { skipped: peer.reason ?? 'unavailable' },
    configs: [],
  };
  if (!peer.mod) log(`llama.cpp side skipped: ${peer.reason}`);
  const kvCache = opts.kvCache ?? (peer.mod ? 'f16' : 'f32');
  report.attnscanKvCache = kvCache;
  log(`attnscan KV cache: ${kvCache}${peer.mod ? (kvCache === 'f16' ? " (llama.cpp's default f16 cache: the same computation on both sides)" : ' (llama.cpp keeps f16: attnscan reads twice its cache bytes per decode step)') : ''}`);
  // The roofline is what the machine can do, so each peak is the best of probes taken at the start
  // and after every timed block: on a shared machine one probe can land in a busy moment.
  const probe = (threads: number) => {
    const bw = () => probeMemoryBandwidth({ threads, bytes: (opts.tiny ? 8 : opts.quick ? 128 : 512) * 2 ** 20, passes: 3 }).readGBs;
    const now = { threads, fmaGflops: probeFmaPeak({ threads, seconds: opts.tiny ? 0.1 : 0.5 }).gflops, readGBs: Math.max(bw(), bw()) };
    const p = report.machine.peaks.find((x) => x.threads === threads);
    if (!p) report.machine.peaks.push({ ...now, probes: 1, probed: { ...now } });
    else {
      p.probed = { fmaGflops: Math.max(p.probed.fmaGflops, now.fmaGflops), readGBs: Math.max(p.probed.readGBs, now.readGBs) };
      Object.assign(p, { fmaGflops: Math.max(p.fmaGflops, now.fmaGflops), readGBs: Math.max(p.readGBs, now.readGBs), probes: p.probes + 1 });
    }
    return now;
  };
  const recorded = recordedPeaks();
  for (const threads of opts.threads) {
    const p = probe(threads);
    log(`peaks at ${threads} thread(s): FMA ${p.fmaGflops.toFixed(1)} GFLOP/s, memory read ${p.readGBs.toFixed(1)} GB/s`);
    const best = report.machine.peaks.find((x) => x.threads === threads)!;
    for (const r of recorded.filter((x) => x.threads === threads && (x.fmaGflops > best.fmaGflops || x.readGBs > best.readGBs))) {
      best.fmaGflops = Math.max(best.fmaGflops, r.fmaGflops);
      best.readGBs = Math.max(best.readGBs, r.readGBs);
      best.recorded = [...(best.recorded ?? []), r.source];
    }
  }
  log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const out = opts.out ?? join(root, 'bench', 'results', 'peers.json');
  const md = `${out.replace(/\.json$/, '')}.md`;
  const rooflines: (() => void)[] = [];
  // Written after every timed block, so an interrupted run keeps what it measured.
  const save = () => {
    for (const r of rooflines) r();
    report.machine.loadavgEnd = loadavg();
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(md, markdownReport(report));
  };
  const cache = opts.cacheDir ?? join(root, 'build-bench', 'models');
  const chosen = specs(opts.tiny).filter((s) => s.kind !== 'bert' && (!opts.only?.length || opts.only.some((o) => s.name === o || s.name.includes(o))));
  const prepared = [];
  for (const s of chosen) {
    const ck = ensureCheckpoint(cache, s);
    if (ck.built) log(`(built ${s.name} in ${ck.seconds.toFixed(1)} s)`);
    const vocab = s.config.vocab_size as number;
    let gguf: string | undefined;
    let agreement: Agreement | undefined;
    let refused: string | undefined;
    if (peer.mod) {
      const g = ensureGguf(ck.dir);
      if (g.built) log(`(wrote ${g.path} in ${g.seconds.toFixed(1)} s)`);
      gguf = g.path;
      agreement = await checkAgreement(ck.dir, gguf, vocab, opts.tiny ? 12 : 64, Math.max(...opts.threads), s.kind === 'llama' ? kvCache : undefined);
      log(`${s.name}: next-token log-probs after ${agreement.promptTokens} tokens: max |diff| ${agreement.maxAbsDiff.toExponential(2)} ` +
        `(${agreement.relative.toExponential(1)} of the logit range ${agreement.logitRange.toFixed(2)}), top-1 ${agreement.top1.attnscan} / ${agreement.top1.peer}: ${agreement.ok ? 'agree' : 'DISAGREE'}`);
      if (!agreement.ok) refused = 'attnscan and llama.cpp disagree on the logits: not timed';
    }
    const entry: PeerBenchReport['configs'][number] = { config: s.name, workload: workload(s.kind, opts.quick, opts.tiny), agreement, refused, byThreads: [] };
    report.configs.push(entry);
    if (!refused) prepared.push({ s, dir: ck.dir, gguf, vocab, entry, cost: costModel(s) });
  }
  // Thread counts outermost: every configuration's 1-thread figures are in before the 2-thread ones.
  for (const threads of opts.threads) {
    for (const { s, dir, gguf, vocab, entry, cost } of prepared) {
      const w = entry.workload;
      const samples: Record<Side, Record<string, number>[]> = { attnscan: [], 'llama.cpp': [] };
      const errors: string[] = [];
      const timeout = opts.tiny ? 120 : opts.quick ? 600 : 1200;
      for (let r = 0; r < runs; r++) {
        const sides: Side[] = gguf ? (r % 2 ? ['llama.cpp', 'attnscan'] : ['attnscan', 'llama.cpp']) : ['attnscan'];
        for (const side of sides) {
          try {
            const res = side === 'attnscan'
              ? child('models/measure.ts', { dir, kind: s.kind, backend: 'native', threads, ...(s.kind === 'llama' ? { kvCache } : {}), ...w } satisfies MeasurePlan, timeout)
              : child('peers/llamacpp.ts', { gguf: gguf!, kind: s.kind as PeerPlan['kind'], threads, vocab, ...w } satisfies PeerPlan, timeout);
            samples[side].push(figuresOf(res));
          } catch (e) {
            errors.push(`${side} run ${r + 1}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
      }
      const keys = [...new Set([...samples.attnscan, ...samples['llama.cpp']].flatMap((x) => Object.keys(x)))];
      const figures: Figure[] = keys.map((key) => {
        const med = (side: Side) => (samples[side].length ? median(samples[side].map((x) => x[key]).filter((x) => x !== undefined)) : undefined);
        return { key, attnscan: med('attnscan'), peer: med('llama.cpp'), samples: { attnscan: samples.attnscan.map((x) => x[key]), peer: samples['llama.cpp'].map((x) => x[key]) } };
      });
      probe(threads);
      rooflines.push(() => {
        const peak = report.machine.peaks.find((p) => p.threads === threads)!;
        for (const f of figures) {
          const pos = f.key.startsWith('decode@') ? Number(f.key.slice(7)) : undefined;
          const perS = f.key === 'prefill' ? cost.prefillFlops(w.prefillTokens) / w.prefillTokens / (peak.fmaGflops * 1e9) : pos !== undefined ? cost.decodeBytes(pos) / (peak.readGBs * 1e9) : undefined;
          if (perS !== undefined) f.roofline = { tokensPerS: 1 / perS, attnscan: f.attnscan === undefined ? undefined : f.attnscan * perS, peer: f.peer === undefined ? undefined : f.peer * perS };
        }
      });
      entry.byThreads.push({ threads, runs, figures, errors });
      printTable(log, s.name, threads, figures, errors);
      save();
    }
  }
  save();
  log(`\nrooflines from the best probes: ${report.machine.peaks.map((p) => `${p.threads} thread(s) FMA ${p.fmaGflops.toFixed(1)} GFLOP/s, read ${p.readGBs.toFixed(1)} GB/s`).join('; ')}`);
  for (const c of report.configs) for (const t of c.byThreads) printTable(log, c.config, t.threads, t.figures, t.errors);
  log(`\nwrote ${out} and ${md}`);
  return report;
}

function parseArgs(argv: string[]): PeerBenchOptions {
  const o: PeerBenchOptions = { quick: false, tiny: false, threads: [1, 2] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--tiny') o.tiny = true;
    else if (a === '--only') o.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--threads') o.threads = (argv[++i] ?? '').split(',').map(Number);
    else if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--no-peers') o.noPeers = true;
    else if (a === '--kv-cache') {
      const v = argv[++i];
      if (v !== 'f32' && v !== 'f16') throw new Error(`bench:peers: --kv-cache takes f32 or f16, got ${v}`);
      o.kvCache = v;
    }
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--cache') o.cacheDir = argv[++i];
    else throw new Error(`bench:peers: unknown argument ${a}`);
  }
  if (o.threads.some((t) => !Number.isInteger(t) || t < 1)) throw new Error('bench:peers: --threads takes positive integers, e.g. 1,2');
  if (o.runs !== undefined && !(Number.isInteger(o.runs) && o.runs >= 1)) throw new Error('bench:peers: --runs takes a positive integer');
  return o;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runPeerBench(parseArgs(process.argv.slice(2))).then(
    (r) => {
      if (r.configs.some((c) => c.refused || c.byThreads.some((t) => t.errors.length))) process.exitCode = 1;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
