// The soak's summary: RSS first/last/max and its least-squares slope after warm-up (the first
// tenth of the run, at least one window, is when caches, JIT and allocator pools fill), the heap's
// slope, and latency p99 per window; as a compact markdown table of about a dozen rows.
import type { WindowStats } from './load.js';

export interface Row extends WindowStats {
  tS: number;
  rssMiB: number;
  /** The anonymous and file-backed parts of the RSS. */
  anonMiB: number;
  fileMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  cacheMiB: number;
  loopDelayP99Ms: number;
  skipped: number;
  load1: number;
}

export interface Summary {
  windows: number;
  requests: number;
  failed: number;
  refused: number;
  skipped: number;
  tokens: number;
  /** Tokens generated per second over the whole run. */
  tokensPerS: number;
  rssMiB: { first: number; last: number; min: number; max: number };
  /** Anonymous RSS (what a leak grows; file pages are the mapped checkpoint, bounded by its size). */
  anonMiB: { first: number; last: number; max: number };
  anonSlopeSecondHalfMiBPerHour: number;
  /** Least-squares slopes over the windows after warm-up, MiB per hour. */
  rssSlopeMiBPerHour: number;
  /** The same over the second half of the run only (allocator pools can keep filling past the warm-up tenth). */
  rssSlopeSecondHalfMiBPerHour: number;
  heapSlopeMiBPerHour: number;
  /** Window p99 latencies (ms): median and worst; the worst window's p50. */
  p99Ms: { median: number; max: number; first: number; last: number };
  loopDelayP99MsMax: number;
  load1: { min: number; max: number };
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxx === 0 ? NaN : sxy / sxx;
}

const med = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[(s.length - 1) >> 1];
};
const finite = (xs: number[]) => xs.filter(Number.isFinite);

export function summarize(rows: Row[]): Summary {
  const warm = rows.slice(Math.max(1, Math.floor(rows.length / 10)));
  const hours = warm.map((r) => r.tS / 3600);
  const half = rows.slice(Math.floor(rows.length / 2));
  const rss = finite(rows.map((r) => r.rssMiB));
  const anon = rows.map((r) => r.anonMiB ?? NaN);
  const p99 = rows.map((r) => r.p99Ms);
  const sum = (k: 'requests' | 'failed' | 'refused' | 'skipped' | 'tokens') => rows.reduce((a, r) => a + r[k], 0);
  return {
    windows: rows.length,
    requests: sum('requests'),
    failed: sum('failed'),
    refused: sum('refused'),
    skipped: sum('skipped'),
    tokens: sum('tokens'),
    tokensPerS: sum('tokens') / (rows[rows.length - 1]?.tS ?? NaN),
    rssMiB: { first: rss[0], last: rss[rss.length - 1], min: Math.min(...rss), max: Math.max(...rss) },
    rssSlopeMiBPerHour: slope(hours, warm.map((r) => r.rssMiB)),
    rssSlopeSecondHalfMiBPerHour: slope(half.map((r) => r.tS / 3600), half.map((r) => r.rssMiB)),
    anonMiB: { first: anon[0], last: anon[anon.length - 1], max: Math.max(...anon) },
    anonSlopeSecondHalfMiBPerHour: slope(half.map((r) => r.tS / 3600), half.map((r) => r.anonMiB)),
    heapSlopeMiBPerHour: slope(hours, warm.map((r) => r.heapUsedMiB)),
    p99Ms: { median: med(p99), max: Math.max(...finite(p99)), first: p99[0], last: p99[p99.length - 1] },
    loopDelayP99MsMax: Math.max(...finite(rows.map((r) => r.loopDelayP99Ms))),
    load1: { min: Math.min(...rows.map((r) => r.load1)), max: Math.max(...rows.map((r) => r.load1)) },
  };
}

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');

/** About `target` rows: each groups consecutive windows (RSS and heap at its end, worst p99 in it). */
export function groupRows(rows: Row[], target = 12): Row[][] {
  const per = Math.max(1, Math.round(rows.length / target));
  const groups: Row[][] = [];
  for (let i = 0; i < rows.length; i += per) groups.push(rows.slice(i, i + per));
  return groups;
}

export function markdown(meta: Record<string, unknown>, s: Summary, rows: Row[]): string {
  const table = groupRows(rows).map((g) => {
    const last = g[g.length - 1];
    const req = g.reduce((a, r) => a + r.requests, 0);
    const failed = g.reduce((a, r) => a + r.failed, 0);
    return `| ${f(last.tS / 60)} | ${f(last.rssMiB)} | ${f(last.anonMiB)} / ${f(last.fileMiB)} | ${f(last.heapUsedMiB)} | ${f(last.externalMiB)} | ${f(Math.max(...g.map((r) => r.cacheMiB)), 2)} | ${req}${failed ? ` (${failed} failed)` : ''} | ${f(med(g.map((r) => r.p50Ms)), 0)} | ${g.map((r) => f(r.p99Ms, 0)).join(' ')} | ${f(Math.max(...g.map((r) => r.loopDelayP99Ms)))} | ${f(last.load1, 2)} |`;
  });
  const load = s.load1.min === s.load1.max ? f(s.load1.min, 2) : `${f(s.load1.min, 2)}-${f(s.load1.max, 2)}`;
  return [
    `Soak ${String(meta.label)}, ${String(meta.date)}: ${meta.streams ? `${String(meta.streams)} closed-loop streams` : `${String(meta.rate)} requests/s (open loop)`}, ${String(meta.minutes)} min, ${String(meta.maxTokens)} new tokens per generation, windows of ${String(meta.sampleS)} s; ${String(meta.cpu)}, ${String(meta.logicalCpus)} vCPUs, load average (1 min) ${load}.`,
    '',
    `- ${s.requests} requests, ${s.failed} failed (${s.refused} refused 429/503), ${s.skipped} not sent (client backlog), ${s.tokens} tokens generated (${f(s.tokensPerS)} tok/s).`,
    `- RSS first ${f(s.rssMiB.first)} / last ${f(s.rssMiB.last)} / min ${f(s.rssMiB.min)} / max ${f(s.rssMiB.max)} MiB; slope after warm-up ${f(s.rssSlopeMiBPerHour, 2)} MiB/h, over the second half ${f(s.rssSlopeSecondHalfMiBPerHour, 2)} MiB/h (JS heap ${f(s.heapSlopeMiBPerHour, 2)} MiB/h).`,
    `- Anonymous RSS first ${f(s.anonMiB.first)} / last ${f(s.anonMiB.last)} / max ${f(s.anonMiB.max)} MiB, slope over the second half ${f(s.anonSlopeSecondHalfMiBPerHour, 2)} MiB/h; the rest is file-backed (the mapped checkpoint, code).`,
    `- Latency p99 per window: median ${f(s.p99Ms.median, 0)} ms, worst ${f(s.p99Ms.max, 0)} ms (first ${f(s.p99Ms.first, 0)}, last ${f(s.p99Ms.last, 0)}); event-loop delay p99 at most ${f(s.loopDelayP99MsMax)} ms.`,
    '',
    '| t (min) | RSS (MiB) | anon / file | heap used | external | cache (max) | requests | p50 (ms) | p99 per window (ms) | loop p99 (ms) | load 1m |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...table,
    '',
  ].join('\n');
}
