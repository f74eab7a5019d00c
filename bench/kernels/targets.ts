// Issue 2's speed targets, checked against one benchmark run. They hold on the issue's 2-core
// machine with 2 threads; at another thread count they are printed with that caveat.
import type { Row } from './report.js';

// Verdicts use the medians; the fastest-call figures in the details show what a quieter machine
// would likely give.
export interface TargetResult {
  target: string;
  /** PASS / FAIL, or 'n/a' when this run did not measure it (--quick, --only, kernel missing). */
  verdict: 'PASS' | 'FAIL' | 'n/a';
  detail: string;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function fractionTarget(rows: Row[], tag: string, label: string, min: number, what: string): TargetResult[] {
  const hits = rows.filter((r) => r.tags.includes(tag) && r.driver === 'native');
  if (hits.length === 0) return [{ target: label, verdict: 'n/a', detail: 'not measured in this run' }];
  return hits.map((r) => {
    if (r.status !== 'ok' || r.fractionOfPeak === undefined) {
      return { target: `${label} [${r.case}]`, verdict: 'n/a', detail: r.status };
    }
    return {
      target: `${label} [${r.case}]`,
      verdict: r.fractionOfPeak >= min ? 'PASS' : 'FAIL',
      detail: `${pct(r.fractionOfPeak)} of ${what} (needs ${pct(min)}; fastest call ${pct(r.fractionOfPeak * (r.medianMs! / r.bestMs!))})`,
    };
  });
}

function speedupTarget(rows: Row[], label: string, pick: (r: Row) => boolean, min: number): TargetResult[] {
  const byKernel = new Map<string, Row[]>();
  for (const r of rows) if (r.driver === 'native' && pick(r)) byKernel.set(r.kernel, [...(byKernel.get(r.kernel) ?? []), r]);
  if (byKernel.size === 0) return [{ target: label, verdict: 'n/a', detail: 'not measured in this run' }];
  return [...byKernel].map(([kernel, rs]) => {
    const measured = rs.filter((r) => r.speedupVsTs !== undefined);
    if (measured.length === 0) return { target: `${label} [${kernel}]`, verdict: 'n/a', detail: 'no TS timing' };
    const worst = measured.reduce((a, b) => (a.speedupVsTs! <= b.speedupVsTs! ? a : b));
    return {
      target: `${label} [${kernel}]`,
      verdict: worst.speedupVsTs! >= min ? 'PASS' : 'FAIL',
      detail:
        `worst ${worst.speedupVsTs!.toFixed(1)}x at ${worst.case} (needs ${min}x; ${measured.length} case(s); ` +
        `fastest calls ${worst.speedupVsTsBest?.toFixed(1) ?? '?'}x)`,
    };
  });
}

export function checkTargets(rows: Row[], toyShapes = false): TargetResult[] {
  if (toyShapes) return [{ target: 'issue 2 targets', verdict: 'n/a', detail: 'not checked on toy shapes (--tiny)' }];
  return [
    ...fractionTarget(rows, 'gemm-f32', 'linear M=512 f32 >= 60% FMA peak', 0.6, 'the FMA peak'),
    ...fractionTarget(rows, 'gemm-f16', 'linear M=512 f16 >= 60% FMA peak', 0.6, 'the FMA peak'),
    ...fractionTarget(rows, 'gemv-f32', 'linear M=1 f32 >= 70% memory bandwidth', 0.7, 'the read bandwidth'),
    ...fractionTarget(rows, 'gemv-f16', 'linear M=1 f16 >= 70% memory bandwidth', 0.7, 'the read bandwidth'),
    ...fractionTarget(rows, 'attention-2048', 'attention S=2048 >= 40% FMA peak', 0.4, 'the FMA peak'),
    ...speedupTarget(rows, 'selectiveScan >= 40x TS', (r) => r.tags.includes('scan'), 40),
    ...speedupTarget(rows, 'native >= 10x TS', () => true, 10),
  ];
}
