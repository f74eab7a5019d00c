// Reading HF config.json (snake_case) at the boundary: each architecture maps it once to a typed
// camelCase object. A missing or ill-typed required key is a CheckpointError naming it.
import { CheckpointError } from '../errors.js';

export type HfConfig = Record<string, unknown>;

export class ConfigReader {
  constructor(
    private readonly c: HfConfig,
    private readonly where: string,
  ) {}

  int(key: string, fallback?: number): number {
    const v = this.c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new CheckpointError(`${this.where}: config.${key} must be a non-negative integer, got ${JSON.stringify(this.c[key])}`);
    }
    return v;
  }

  num(key: string, fallback?: number): number {
    const v = this.c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new CheckpointError(`${this.where}: config.${key} must be a number, got ${JSON.stringify(this.c[key])}`);
    }
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.c[key] ?? fallback;
    if (typeof v !== 'boolean') throw new CheckpointError(`${this.where}: config.${key} must be a boolean, got ${JSON.stringify(v)}`);
    return v;
  }

  str(key: string, fallback?: string): string {
    const v = this.c[key] ?? fallback;
    if (typeof v !== 'string') throw new CheckpointError(`${this.where}: config.${key} must be a string, got ${JSON.stringify(this.c[key])}`);
    return v;
  }

  /** An optional int (e.g. pad_token_id: null). */
  optInt(key: string): number | undefined {
    const v = this.c[key];
    return v === undefined || v === null ? undefined : this.int(key);
  }

  raw(key: string): unknown {
    return this.c[key];
  }

  /** heads must divide the width they split. */
  divisible(what: string, a: number, b: number): number {
    if (b === 0 || a % b !== 0) throw new CheckpointError(`${this.where}: ${what}: ${a} is not divisible by ${b}`);
    return a / b;
  }
}

/** id2label as an array indexed by label id (absent → LABEL_i names for numLabels). */
export function labelsOf(c: HfConfig, numLabels: number): string[] {
  const m = (c.id2label ?? {}) as Record<string, string>;
  return Array.from({ length: numLabels }, (_, i) => m[String(i)] ?? `LABEL_${i}`);
}
