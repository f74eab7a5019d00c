// The kernel bench's timing loop sizes its runs from a call's steady cost, not from a cold start:
// an allocating kernel's first calls each fault in fresh memory and cost 10-50x the later ones.
import { describe, expect, it } from 'vitest';

import { measure } from '../../bench/kernels/harness.js';

function busy(seconds: number): void {
  const end = performance.now() + seconds * 1e3;
  while (performance.now() < end);
}

describe('bench:kernels measure()', () => {
  it('sizes runs from the calls after a slow start, so the median is the steady cost', () => {
    let calls = 0;
    // 6 calls of 1 ms, then 20 us each: the old sizing (from the first call) made runs of 50 calls.
    // Sized from 100 ms of calls, a descheduled call or two (parallel test files) cannot move it.
    const t = measure(() => busy(calls++ < 6 ? 1e-3 : 20e-6), [{}], { runs: 3, runSeconds: 0.05, budgetSeconds: 2 });
    expect(t.runs).toBe(3);
    expect(t.callsPerRun).toBeGreaterThan(500);
    expect(t.medianS).toBeLessThan(200e-6);
    expect(t.bestS).toBeGreaterThanOrEqual(20e-6);
  });

  it('still times a slow call once when it alone takes half the budget', () => {
    const t = measure(() => busy(0.03), [{}], { runs: 5, runSeconds: 0.01, budgetSeconds: 0.05 });
    expect(t.runs).toBe(1);
    expect(t.callsPerRun).toBe(1);
    expect(t.note).toMatch(/1 call only/);
  });
});
