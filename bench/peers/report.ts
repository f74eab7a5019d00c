// The peer bench's report: types, the console table and the markdown (bench/results/peers.md).
// One row per figure: medians of each side, attnscan ÷ llama.cpp, and each side's fraction of the
// roofline (prefill: FMA peak; decode: memory read bandwidth) at the row's thread count.
import type { MachineBase } from '../lib/util.js';
import type { Agreement } from './agree.js';

export type Side = 'attnscan' | 'llama.cpp';

export interface Figure {
  /** load | rss | prefill | decode@<position> */
  key: string;
  attnscan?: number;
  peer?: number;
  samples: { attnscan: number[]; peer: number[] };
  roofline?: { tokensPerS: number; attnscan?: number; peer?: number };
}

export interface PeerBenchReport {
  command: string;
  mode: string;
  date: string;
  machine: MachineBase & { isas: string[]; /** Roofline peaks: the best of this run's probes (`probed`) and earlier recorded runs (`recorded`). */
    peaks: { threads: number; fmaGflops: number; readGBs: number; probes: number; probed: { fmaGflops: number; readGBs: number }; recorded?: string[] }[]; loadavgEnd?: number[] };
  peer: { name: string; version: string } | { skipped: string };
  /** attnscan's KV cache storage in the LLaMA runs (f16 against llama.cpp unless --kv-cache f32). */
  attnscanKvCache?: 'f32' | 'f16';
  configs: {
    config: string;
    workload: { prefillTokens: number; decodeTokens: number; decodePositions: number[] };
    agreement?: Agreement;
    refused?: string;
    byThreads: { threads: number; runs: number; figures: Figure[]; errors: string[] }[];
  }[];
}

const LABELS: Record<string, string> = { load: 'load s (lower is better)', rss: 'peak RSS MiB (lower is better)', prefill: 'prefill tok/s' };

function label(key: string, w?: PeerBenchReport['configs'][number]['workload']): string {
  if (key === 'prefill' && w) return `prefill tok/s (${w.prefillTokens}-token prompt)`;
  if (key.startsWith('decode@')) return `decode tok/s @${key.slice(7)}${w ? ` (${w.decodeTokens} tokens)` : ''}`;
  return LABELS[key] ?? key;
}

const num = (x: number | undefined, d: number) => (x === undefined || !Number.isFinite(x) ? '' : x.toFixed(d));
const pct = (x: number | undefined) => (x === undefined ? '' : `${(100 * x).toFixed(0)}%`);

function cells(f: Figure, w?: PeerBenchReport['configs'][number]['workload']): string[] {
  const d = f.key === 'load' ? 2 : f.key === 'rss' ? 0 : 1;
  const ratio = f.attnscan !== undefined && f.peer ? `${(f.attnscan / f.peer).toFixed(2)}×` : '';
  const roof = f.roofline ? `${num(f.roofline.tokensPerS, 0)}` : '';
  return [label(f.key, w), num(f.attnscan, d), num(f.peer, d), ratio, roof, pct(f.roofline?.attnscan), pct(f.roofline?.peer)];
}

const HEAD = ['figure (median)', 'attnscan', 'llama.cpp', 'attnscan ÷ llama.cpp', 'roofline tok/s', 'attnscan % roofline', 'llama.cpp % roofline'];
const WIDTHS = [34, 9, 9, 20, 14, 19, 20];

export function printTable(log: (s: string) => void, config: string, threads: number, figures: Figure[], errors: string[]): void {
  log(`\n${config}, ${threads} thread${threads === 1 ? '' : 's'}`);
  log(HEAD.map((h, i) => h.padEnd(WIDTHS[i])).join(' '));
  for (const f of figures) log(cells(f).map((c, i) => c.padEnd(WIDTHS[i])).join(' ').trimEnd());
  for (const e of errors) log(`  failed: ${e}`);
}

export function markdownReport(r: PeerBenchReport): string {
  const m = r.machine;
  const loaded = m.loadavgStart[0] > m.logicalCpus * 0.5 || (m.loadavgEnd?.[0] ?? 0) > m.logicalCpus * 0.5;
  const lines = [
    `Command: \`${r.command}\` (${r.mode}), ${r.date}.`,
    '',
    `Machine: ${m.cpu}, ${m.logicalCpus} logical CPUs, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}; attnscan ISAs ${m.isas.join(' ')}; ` +
      `roofline peaks: ${m.peaks.map((p) => `${p.threads} thread(s) FMA ${p.fmaGflops.toFixed(0)} GFLOP/s, read ${p.readGBs.toFixed(1)} GB/s ` +
        `(this run's best of ${p.probes} probes: ${p.probed.fmaGflops.toFixed(0)} GFLOP/s, ${p.probed.readGBs.toFixed(1)} GB/s${p.recorded ? `; earlier runs: ${p.recorded.join(', ')}` : ''})`).join('; ')}. ` +
      `Load average ${m.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at the start, ${(m.loadavgEnd ?? []).map((x) => x.toFixed(2)).join(' ')} at the end` +
      (loaded ? ' (the machine was shared with other jobs: figures are low and noisy).' : '.'),
    '',
    'skipped' in r.peer ? `llama.cpp side skipped: ${r.peer.skipped}.` : `Peer: ${'name' in r.peer ? `${r.peer.name} ${r.peer.version}` : ''} (llama.cpp CPU build, default KV cache f16, batch 512).`,
    '',
    `attnscan KV cache: ${r.attnscanKvCache ?? 'f32'}${r.attnscanKvCache === 'f16' ? " (loadModel's kvCache: 'f16'; llama.cpp's default, so both sides compute the same thing; the logit check runs a prefill and one decode step over that cache)" : ''}.`,
    '',
  ];
  for (const c of r.configs) {
    lines.push(`### ${c.config}`, '');
    if (c.agreement) {
      const a = c.agreement;
      lines.push(`Logit check (${a.promptTokens}-token prompt): max |Δ log p| ${a.maxAbsDiff.toExponential(2)} = ${a.relative.toExponential(1)} of the logit range ${a.logitRange.toFixed(2)}; top-1 ${a.top1.attnscan} / ${a.top1.peer}: ${a.ok ? 'agree' : '**disagree**'}.`, '');
    }
    if (c.refused) lines.push(`Not timed: ${c.refused}.`, '');
    for (const t of c.byThreads) {
      lines.push(`${t.threads} thread${t.threads === 1 ? '' : 's'}, median of ${t.runs} runs per side:`, '');
      lines.push(`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`);
      for (const f of t.figures) lines.push(`| ${cells(f, c.workload).join(' | ')} |`);
      for (const e of t.errors) lines.push(`\nfailed: ${e}`);
      lines.push('');
    }
  }
  return lines.join('\n');
}
