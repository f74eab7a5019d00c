// The kernel benchmark harness: bench cases (one list per family, *.bench.ts), the drivers every
// case runs on (native at the best ISA, each other compiled ISA forced, the TS twin), and the
// timing rule (warm-up, then the median of >= 5 timed runs, fewer only when a driver would blow
// its time budget — never extrapolated from a smaller repetition count).
import { kernels } from '../../lib/index.js';
import { forceIsa, listIsas } from '../../lib/backend/select.js';
import { median, now } from '../lib/util.js';

/** What bounds a kernel at this shape: its fraction of peak is against the FMA or memory probe. */
export type Bound = 'compute' | 'memory' | 'none';
export type Mode = 'full' | 'quick' | 'tiny';

export interface BenchCase {
  /** The public kernel (kernels[kernel]). */
  kernel: string;
  /** Shape and options, e.g. 'B1 H12 D64 S2048 causal'. */
  name: string;
  bound: Bound;
  /** Per call, from shape arithmetic (an FMA counts 2). */
  flops?: number;
  /** Per call: the bytes the kernel must move at least (inputs read once, outputs written once). */
  bytes?: number;
  /** Per call: the work items the kernel name suggests (elements, state updates). */
  elements?: number;
  /** Target keys this case feeds (see targets.ts). */
  tags?: string[];
  /**
   * Memory-bound against a bandwidth target: the read probe runs again right before and right
   * after each native driver, and the row's fraction is of the larger of the two (this VM's
   * bandwidth drifts by up to 2x within minutes, so the run's first probe can be far off).
   */
  probeAround?: boolean;
  /**
   * Argument objects; timed calls cycle through them, so several copies of a large weight make
   * the kernel stream it from memory as a model's decode step does (not from a warm cache).
   */
  args(): unknown[];
}

export interface Driver {
  /** 'native' (best ISA), an ISA name (forced), or 'ts'. */
  name: string;
  backend: 'native' | 'ts';
  isa: string;
}

export interface Timing {
  medianS: number;
  /** The fastest single call: on a shared machine, the closest to what the kernel can do. */
  bestS: number;
  runs: number;
  callsPerRun: number;
  note?: string;
}

export interface TimingPolicy {
  /** Timed runs (>= 5 unless the budget says fewer). */
  runs: number;
  /** A run repeats calls until it lasts about this long (short kernels). */
  runSeconds: number;
  /** Time a (case, driver) may take in all, warm-up included. */
  budgetSeconds: number;
}

export const policies: Record<Mode, TimingPolicy> = {
  full: { runs: 7, runSeconds: 0.05, budgetSeconds: 20 },
  quick: { runs: 5, runSeconds: 0.01, budgetSeconds: 1 },
  tiny: { runs: 5, runSeconds: 0.001, budgetSeconds: 0.5 },
};

export function drivers(includeTs: boolean): Driver[] {
  const isas = listIsas();
  const best = isas[isas.length - 1];
  const out: Driver[] = [];
  if (best) {
    out.push({ name: 'native', backend: 'native', isa: best });
    for (const isa of [...isas].reverse()) if (isa !== best) out.push({ name: isa, backend: 'native', isa });
  }
  if (includeTs) out.push({ name: 'ts', backend: 'ts', isa: 'js' });
  return out;
}

type AnyKernel = (args: unknown, opts?: { backend?: 'native' | 'ts' }) => unknown;

/** The kernel if this build has it (kernels land family by family). */
export function kernelFn(name: string): AnyKernel | undefined {
  const fn = (kernels as unknown as Record<string, unknown>)[name];
  return typeof fn === 'function' ? (fn as AnyKernel) : undefined;
}

/**
 * Times fn(args[i]) cycling through args. The first call is the warm-up (JIT, page faults, pool
 * wake-up). If that call alone used half the budget, its time is the one measurement (noted);
 * otherwise untimed calls over two run lengths size the runs, then as many runs as fit the
 * budget, up to policy.runs.
 */
export function measure(call: (args: unknown) => void, args: unknown[], policy: TimingPolicy): Timing {
  let next = 0;
  const one = () => {
    call(args[next]);
    next = (next + 1) % args.length;
  };
  const t0 = now();
  one();
  const first = now() - t0;
  if (first >= policy.budgetSeconds / 2) {
    return { medianS: first, bestS: first, runs: 1, callsPerRun: 1, note: `1 call only (${first.toFixed(1)} s)` };
  }
  // A second untimed call when cheap: the first may have paid for one-off work alone.
  if (first * 2 < policy.budgetSeconds / 4) one();
  // Runs are sized from untimed calls over two run lengths (the median of their second half), not
  // from the first call. An allocating kernel's first calls each fault in fresh output memory
  // until a GC frees earlier outputs for reuse (an rmsNorm 512x768: its first 23 calls 2.5 ms each,
  // then 60 us): sized from those, runs were a handful of calls whose median measured the cold
  // phase again (runs of 5 calls, median 2.4 ms; of 553 calls, 73 us; 2000 calls back to back, a
  // mean of 77 us).
  const sizing: number[] = [];
  const c0 = now();
  do {
    const s = now();
    one();
    sizing.push(now() - s);
  } while (now() - c0 < 2 * policy.runSeconds && now() - t0 < policy.budgetSeconds / 4);
  const perCall = Math.max(median(sizing.slice(sizing.length >> 1)), 1e-7);
  // Whole sweeps over the argument copies, so every run streams each copy once.
  const perRun = Math.max(1, Math.ceil(policy.runSeconds / perCall));
  const callsPerRun = Math.ceil(perRun / args.length) * args.length;
  const left = policy.budgetSeconds - (now() - t0);
  const runs = Math.max(1, Math.min(policy.runs, Math.floor(left / (perCall * callsPerRun))));
  const times: number[] = [];
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    let sum = 0;
    for (let c = 0; c < callsPerRun; c++) {
      const s = now();
      one();
      const dt = now() - s;
      sum += dt;
      if (dt < best) best = dt;
    }
    times.push(sum / callsPerRun);
  }
  const note = runs < policy.runs ? `${runs} run${runs > 1 ? 's' : ''} (time budget)` : undefined;
  return { medianS: median(times), bestS: best, runs, callsPerRun, ...(note ? { note } : {}) };
}

/** Runs one case on one driver; a forced ISA is put back to the best one after. */
export function runDriver(c: BenchCase, d: Driver, args: unknown[], policy: TimingPolicy): Timing {
  const fn = kernelFn(c.kernel);
  if (!fn) throw new Error(`kernels.${c.kernel} is not available`);
  const isas = listIsas();
  if (d.backend === 'native') forceIsa(d.isa);
  try {
    const opts = { backend: d.backend };
    return measure((a) => fn(a, opts), args, policy);
  } finally {
    if (d.backend === 'native') forceIsa(isas[isas.length - 1]);
  }
}
