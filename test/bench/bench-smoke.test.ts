// The kernel benchmark harness runs end to end on toy shapes and writes well-formed JSON.
// No timing assertions: speed targets belong to `npm run bench:kernels`, not to tests.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type BenchReport, runBench } from '../../bench/kernels/run.js';
import { nativeLoaded } from '../helpers/backends.js';

const dir = mkdtempSync(join(tmpdir(), 'attnscan-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench:kernels --tiny', () => {
  const out = join(dir, 'kernels.json');
  const lines: string[] = [];
  let report: BenchReport;
  let json: BenchReport;
  beforeAll(() => {
    report = runBench({ mode: 'tiny', out, log: (l) => lines.push(l) });
    json = JSON.parse(readFileSync(out, 'utf8')) as BenchReport;
  });

  it('writes the report it returns', () => {
    expect(json.rows.length).toBe(report.rows.length);
    expect(json.mode).toBe('tiny');
    expect(json.machine.logicalCpus).toBeGreaterThan(0);
  });

  it('times every available kernel on every driver, or says why not', () => {
    expect(json.rows.length).toBeGreaterThan(0);
    for (const r of json.rows) {
      expect(['ok', 'not available', 'error']).toContain(r.status);
      expect(typeof r.kernel).toBe('string');
      expect(typeof r.case).toBe('string');
      if (r.status === 'ok') {
        expect(r.medianMs).toBeGreaterThan(0);
        expect(Number.isFinite(r.medianMs)).toBe(true);
        expect(r.runs).toBeGreaterThanOrEqual(1);
      } else {
        expect(r.note).toBeTruthy();
      }
    }
    // The activations are on main from the start: they must run, natively too when it loads.
    const silu = json.rows.filter((r) => r.kernel === 'silu' && r.status === 'ok').map((r) => r.driver);
    expect(silu).toContain('ts');
    if (nativeLoaded) expect(silu).toContain('native');
  });

  it('reports the measured peaks and a verdict for each target', () => {
    if (nativeLoaded) {
      expect(json.peaks.fmaGflops[json.machine.isas[json.machine.isas.length - 1]]).toBeGreaterThan(0);
      expect(json.peaks.memory?.readGBs).toBeGreaterThan(0);
    }
    expect(json.targets.length).toBeGreaterThan(0);
    for (const t of json.targets) expect(['PASS', 'FAIL', 'n/a']).toContain(t.verdict);
    expect(lines.some((l) => l.startsWith('kernel'))).toBe(true);
  });
});
