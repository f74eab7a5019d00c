// Shared by the kernel and model benchmarks: clock, median, number formatting and the machine line.
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
