// What every command shares: option parsing (node:util parseArgs) with help text, the usage error
// that exits 2, model loading with a progress bar on a TTY, and the default-model note.
import { existsSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

import type { BackendName } from '../backend/select.js';
import type { KvDType } from '../generation/kv-cache.js';
import type { DefaultTask } from '../models/defaults.js';
import { defaultSpec, loadServed, type ModelSpec, type Need, parseModelSpec, type ServedModel } from '../server/served.js';
import { progressBar } from './progress.js';

/** A mistake in the command line: exit code 2 and the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export const MODEL_OPTIONS = {
  model: { type: 'string', short: 'm' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  'no-huge-pages': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const MODEL_HELP = `  -m, --model DIR      checkpoint folder (config.json, *.safetensors, tokenizer.json);
                       default: the embedded model for the task
      --backend NAME   native | ts (default: native when the addon loads)
      --threads N      intra-op threads
      --no-huge-pages  map the weights from the page cache (no copy at load, shared between
                       processes) instead of copying them into huge pages (Linux default)
      --json           machine-readable output on stdout
  -h, --help           this help`;

/** The decoder commands' KV cache storage (generate, bench, serve). */
export const KV_CACHE_OPTION = { 'kv-cache': { type: 'string' } } as const satisfies Options;
export const KV_CACHE_HELP = `      --kv-cache f32|f16  decoder K/V cache storage (default: f16 for F16 checkpoints, else f32; f16
                          halves its memory and the bytes a decode step reads; logits move by f16 rounding)`;

export function kvCacheOption(v: string | undefined): KvDType | undefined {
  if (v === undefined || v === 'f32' || v === 'f16') return v;
  throw new UsageError(`--kv-cache must be f32 or f16, got '${v}'`);
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: Io): Promise<number>;
}

export interface Io {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** What parseArgs gives for options O (spelled out: node:util does not export its own type). */
export type Values<O extends Options> = {
  [K in keyof O]?: O[K] extends { multiple: true } ? (O[K] extends { type: 'boolean' } ? boolean[] : string[]) : O[K] extends { type: 'boolean' } ? boolean : string;
};

export function parse<O extends Options>(argv: string[], options: O, allowPositionals = true): { values: Values<O>; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true }) as { values: Values<O>; positionals: string[] };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function intOption(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

export function numOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${v}'`);
  return n;
}

export function backendOption(v: string | undefined): BackendName | undefined {
  if (v === undefined || v === 'native' || v === 'ts') return v;
  throw new UsageError(`--backend must be native or ts, got '${v}'`);
}

/** The folder given with --model, or the task's embedded model (said on stderr). */
export function modelSpec(value: string | undefined, task: DefaultTask | undefined, io: Io): ModelSpec {
  if (value !== undefined) return parseModelSpec(value, existsSync);
  if (!task) throw new UsageError('--model DIR is required for this command (there is no embedded default for it)');
  const spec = defaultSpec(task);
  io.err.write(`attnscan: no --model given; using the embedded model ${spec.name}\n`);
  return spec;
}

type LoadValues = { backend?: string; threads?: string; 'kv-cache'?: string; 'no-huge-pages'?: boolean };

export async function load(spec: ModelSpec, values: LoadValues, io: Io, need?: Need): Promise<ServedModel> {
  const kvCache = kvCacheOption(values['kv-cache']);
  const bar = io.out.isTTY && io.err.isTTY ? progressBar(io.err, `loading ${spec.name}`) : undefined;
  try {
    return await loadServed(spec, { backend: backendOption(values.backend), threads: intOption('threads', values.threads, 1), kvCache, ...(values['no-huge-pages'] ? { hugePages: false } : {}), onProgress: bar?.update }, need);
  } finally {
    bar?.done();
  }
}

/** Loads the model a command names (or the task's default), runs fn on it, then frees it. */
export async function withModel<T>(
  model: { value: string | undefined; task?: DefaultTask; need?: Need },
  values: LoadValues,
  io: Io,
  fn: (s: ServedModel) => Promise<T>,
): Promise<T> {
  const s = await load(modelSpec(model.value, model.task, io), values, io, model.need);
  try {
    return await fn(s);
  } finally {
    await s.model.dispose();
  }
}

/** Positional texts, or stdin (one text) when there are none or the only one is '-'. */
export async function textsFrom(positionals: string[], io: Io, joinWords: boolean): Promise<string[]> {
  if (positionals.length > 0 && !(positionals.length === 1 && positionals[0] === '-')) return joinWords ? [positionals.join(' ')] : positionals;
  if (io.stdin.isTTY) throw new UsageError('give the text as arguments, or pipe it on stdin');
  let text = '';
  for await (const chunk of io.stdin) text += chunk.toString();
  return [text.replace(/\n$/, '')];
}

export const writeJson = (io: Io, v: unknown) => io.out.write(`${JSON.stringify(v, null, 2)}\n`);
