// bench:peers --tiny end to end on one toy LLaMA, one run per side: the logit gate, both sides'
// child processes, and a well-formed report; and the attnscan-only report when the peer is absent
// (--no-peers stands in for node-llama-cpp not being installed). No timed assertions.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { importPeer } from '../../bench/peers/llamacpp.js';
import type { PeerBenchReport } from '../../bench/peers/report.js';
import { runPeerBench } from '../../bench/peers/run.js';

const dir = mkdtempSync(join(tmpdir(), 'attnscan-bench-peers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const peer = await importPeer();
const base = { quick: false, tiny: true, only: ['tiny-llama-f32'], threads: [1], runs: 1, cacheDir: join(dir, 'cache'), log: () => {} };

describe('bench:peers --tiny', () => {
  it('without the peer: times attnscan alone and says what it skipped', async () => {
    const out = join(dir, 'alone.json');
    await runPeerBench({ ...base, noPeers: true, out });
    const r = JSON.parse(readFileSync(out, 'utf8')) as PeerBenchReport;
    expect(r.peer).toEqual({ skipped: 'disabled by --no-peers' });
    const t = r.configs[0].byThreads[0];
    expect(t.errors).toEqual([]);
    expect(t.figures.find((f) => f.key === 'prefill')!.attnscan).toBeGreaterThan(0);
    expect(t.figures.every((f) => f.peer === undefined)).toBe(true);
    expect(readFileSync(out.replace(/\.json$/, '.md'), 'utf8')).toContain('llama.cpp side skipped: disabled by --no-peers');
  }, 300_000);

  it.skipIf(!peer.mod)('with node-llama-cpp: agreement first, then both sides and their ratio', async () => {
    const out = join(dir, 'both.json');
    await runPeerBench({ ...base, out });
    const r = JSON.parse(readFileSync(out, 'utf8')) as PeerBenchReport;
    const c = r.configs[0];
    expect(c.agreement!.ok).toBe(true);
    expect(c.byThreads[0].errors).toEqual([]);
    const prefill = c.byThreads[0].figures.find((f) => f.key === 'prefill')!;
    expect(prefill.attnscan).toBeGreaterThan(0);
    expect(prefill.peer).toBeGreaterThan(0);
    expect(prefill.roofline!.tokensPerS).toBeGreaterThan(0);
    expect(readFileSync(out.replace(/\.json$/, '.md'), 'utf8')).toContain('attnscan ÷ llama.cpp');
  }, 300_000);
});
