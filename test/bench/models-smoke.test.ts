// bench:models --quick --tiny end to end: toy checkpoints, one child process per configuration,
// and a well-formed JSON report. No timed assertions (the machine may be shared).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { runModelBench, type ModelBenchReport } from '../../bench/models/run.js';

const dir = mkdtempSync(join(tmpdir(), 'attnscan-bench-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench:models --quick --tiny', () => {
  it('runs every tiny configuration and writes a well-formed report', () => {
    const out = join(dir, 'models.json');
    runModelBench({ quick: true, tiny: true, includeTs: true, only: ['llama-f16', 'mamba', 'bert'], out, cacheDir: join(dir, 'cache'), log: () => {} });
    const report = JSON.parse(readFileSync(out, 'utf8')) as ModelBenchReport;
    expect(report.rows.length).toBeGreaterThanOrEqual(3);
    for (const r of report.rows) {
      expect(r.status, `${r.config} ${r.backend}: ${r.note}`).toBe('ok');
      const res = r.result!;
      expect(res.loadS).toBeGreaterThan(0);
      expect(res.peakRssMiB).toBeGreaterThan(0);
      if (r.plan.kind === 'bert') expect(res.encoder!.sequencesPerS).toBeGreaterThan(0);
      else {
        expect(res.prefill!.tokensPerS).toBeGreaterThan(0);
        for (const d of res.decode!) expect(d.tokens).toBeGreaterThan(0);
      }
    }
    const mamba = report.rows.find((r) => r.plan.kind === 'mamba' && r.backend === report.rows[0].backend)!;
    expect(mamba.result!.decode!.map((d) => d.position).length).toBeGreaterThanOrEqual(1);
    expect(readFileSync(out.replace(/\.json$/, '.md'), 'utf8')).toContain('| config |');
  }, 120_000);
});
