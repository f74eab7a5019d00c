// bench/soak: the summary arithmetic (slope, warm-up, grouping, mix), and two short runs end to end
// (the embedded models at a fixed rate with every request kind; a tiny synthetic LLaMA with closed-
// loop streams) writing a CSV row per window. No timed assertions (the machine may be shared).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { parseMix, pick } from '../../bench/soak/load.js';
import { groupRows, type Row, slope, summarize } from '../../bench/soak/report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'attnscan-soak-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (tS: number, rssMiB: number, p99Ms = 10): Row => ({
  tS, rssMiB, anonMiB: rssMiB / 2, fileMiB: rssMiB / 2, heapUsedMiB: 10, heapTotalMiB: 20, externalMiB: 1, cacheMiB: 0, loopDelayP99Ms: 5, skipped: 0, load1: 1,
  requests: 10, failed: 0, refused: 0, tokens: 5, p50Ms: 5, p99Ms, ttftP99Ms: 3, byKindP99Ms: { complete: 1, stream: 1, embed: 1, cancel: 1 },
});

describe('soak summary', () => {
  it('slope is least squares; the warm-up tenth is left out; rows group to about a dozen', () => {
    expect(slope([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2);
    expect(slope([1], [1])).toBeNaN();
    // 20 windows of 180 s (one hour): a 50 MiB jump in the first two windows, flat after.
    const rows = Array.from({ length: 20 }, (_, i) => row((i + 1) * 180, i < 2 ? 100 + 25 * i : 150, i === 7 ? 99 : 10));
    const s = summarize(rows);
    expect(s.rssSlopeMiBPerHour).toBeCloseTo(0);
    expect(s.rssMiB).toEqual({ first: 100, last: 150, min: 100, max: 150 });
    expect(s.p99Ms).toMatchObject({ median: 10, max: 99 });
    expect(s.requests).toBe(200);
    const grown = summarize(rows.map((r) => ({ ...r, rssMiB: 100 + r.tS / 360 })));
    expect(grown.rssSlopeMiBPerHour).toBeCloseTo(10);
    expect(groupRows(Array.from({ length: 120 }, (_, i) => row(i, 1))).map((g) => g.length)).toEqual(Array(12).fill(10));
  });

  it('the mix picks kinds by weight and rejects unknown kinds', () => {
    const mix = parseMix('complete=3,embed=1');
    const picks = Array.from({ length: 400 }, (_, i) => pick(mix, (i + 0.5) / 400));
    expect(picks.filter((k) => k === 'embed')).toHaveLength(100);
    expect(() => parseMix('delete=1')).toThrow(/bad entry/);
  });
});

describe('npm run soak, briefly', () => {
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/soak/run.ts'), '--out', dir, '--sample', '2', ...args], { cwd: root, encoding: 'utf8', timeout: 90_000 });

  it('the embedded models at a steady rate: every kind answered, one CSV row per window', () => {
    const r = run(['--minutes', '0.1', '--rate', '5', '--label', 'rate']);
    expect(r.status, r.stderr).toBe(0);
    const csv = readFileSync(join(dir, 'soak-rate.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^t_s,rss_mib,rss_anon_mib,rss_file_mib,heap_used_mib,/);
    expect(csv).toHaveLength(4);
    const { summary } = JSON.parse(readFileSync(join(dir, 'soak-rate.json'), 'utf8'));
    expect(summary.requests).toBeGreaterThanOrEqual(20);
    expect(summary.failed).toBe(0);
    expect(summary.rssMiB.max).toBeGreaterThan(10);
    expect(summary.anonMiB.max).toBeGreaterThan(10);
    expect(summary.anonMiB.max).toBeLessThan(summary.rssMiB.max);
    expect(readFileSync(join(dir, 'soak-rate.md'), 'utf8')).toContain('| t (min) | RSS (MiB) |');
  }, 100_000);

  it('a tiny synthetic LLaMA under closed-loop streams', () => {
    const r = run(['--minutes', '0.07', '--synthetic', 'llama', '--tiny', '--streams', '2', '--tokens', '8', '--cache', join(dir, 'cache'), '--work', join(dir, 'work'), '--label', 'streams']);
    expect(r.status, r.stderr).toBe(0);
    const { summary, meta } = JSON.parse(readFileSync(join(dir, 'soak-streams.json'), 'utf8'));
    expect(meta.models[0].id).toBe('tiny-llama-f32');
    expect(summary.failed).toBe(0);
    expect(summary.tokens).toBeGreaterThan(0);
  }, 100_000);
});
