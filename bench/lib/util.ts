// Shared by the kernel and model benchmarks: clock, median, number formatting and the machine line.
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function fmtTime(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(1)} us`;
}

export function fmtNum(x: number | undefined, digits = 1): string {
  if (x === undefined) return '';
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(1)}M`;
  return x.toFixed(digits);
}

export interface MachineBase {
  cpu: string;
  logicalCpus: number;
  memoryGiB: number;
  node: string;
  platform: string;
  loadavgStart: number[];
}

export function machineBase(): MachineBase {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    logicalCpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadavgStart: loadavg(),
  };
}

/** Prompt ids away from the specials (0..2), deterministic: attnscan and the peers read the same. */
export function benchPrompt(n: number, vocab: number): number[] {
  return Array.from({ length: n }, (_, i) => 3 + ((i * 7919) % (vocab - 3)));
}

/** VmRSS / VmHWM of this process in MiB (the RSS where /proc is absent). */
export function statusMiB(key: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
}

/**
 * The entry of a measuring child process: when `moduleUrl` is the script node was started with,
 * runs measure(JSON plan from argv[2]) and prints one RESULT or ERROR line for the parent to parse.
 */
export function childMain<P, R>(moduleUrl: string, measure: (plan: P) => Promise<R>): void {
  const isMain = process.argv[1] && moduleUrl.endsWith(process.argv[1].split('/').pop() ?? '');
  if (!isMain || !process.argv[2]) return;
  measure(JSON.parse(process.argv[2]) as P).then(
    (r) => console.log(`RESULT ${JSON.stringify(r)}`),
    (e: unknown) => {
      console.log(`ERROR ${JSON.stringify(e instanceof Error ? e.message : String(e))}`);
      process.exitCode = 1;
    },
  );
}
