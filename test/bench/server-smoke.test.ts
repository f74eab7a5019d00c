// bench:server --quick --tiny end to end: toy checkpoints served by `attnscan serve`, the load
// client at two concurrencies, generation and embeddings, and a well-formed report. No timed
// assertions (the machine may be shared).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'attnscan-bench-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench:server --quick --tiny', () => {
  it('serves the tiny checkpoints, drives them and writes a well-formed report', () => {
    const out = join(dir, 'server.json');
    const args = ['--tiny', '--quick', '--only', 'mamba,bert', '--concurrency', '1,2', '--tokens', '4', '--cache', join(dir, 'cache'), '--work', join(dir, 'work'), '--out', out];
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/server/run.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 150_000 });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.models).toHaveLength(1);
    for (const l of report.models[0].levels) {
      expect(l.failed).toBe(0);
      expect(l.generatedTokens).toBe(4 * l.concurrency);
      expect(l.ttftMs.p50).toBeGreaterThan(0);
    }
    expect(report.embeddings.levels.map((l: { requests: number }) => l.requests)).toEqual([4, 8]);
    expect(readFileSync(out.replace(/\.json$/, '.md'), 'utf8')).toContain('| model | streams |');
  }, 180_000);
});
