// `attnscan serve` in a child process for the server benchmarks and the soak: the synthetic
// checkpoints of the model benchmarks made servable (a tokenizer beside linked weights), the
// child started on a free port, its /metrics scraped, its RSS read from /proc, SIGTERM to stop.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ensureCheckpoint, specs } from '../models/checkpoints.js';
import { writeVocabTokenizer } from './tokenizer.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The cached checkpoint `kind` (F32) with a tokenizer beside it (weights and config linked, not copied). */
export function servable(kind: 'llama' | 'mamba' | 'bert', tiny: boolean, cache: string, work: string): { name: string; dir: string } {
  const spec = specs(tiny).find((s) => s.kind === kind && s.dtype === 'F32')!;
  const { dir: weights } = ensureCheckpoint(cache, spec);
  const dir = join(work, spec.name);
  if (!existsSync(join(dir, 'tokenizer.json'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const f of ['config.json', 'model.safetensors']) symlinkSync(join(weights, f), join(dir, f));
    writeVocabTokenizer(dir, spec.config.vocab_size as number);
  }
  return { name: spec.name, dir };
}

export interface ChildServer {
  url: string;
  pid: number;
  /** The first sample of a metric (any labels), NaN when absent. */
  metric(name: string): Promise<number>;
  /** The whole /metrics text. */
  metrics(): Promise<string>;
  /**
   * The child's resident set from /proc (bytes; NaN off Linux or after exit): in all, anonymous
   * (heaps, malloc, caches) and file-backed (the mapped checkpoint, code; the kernel can drop them).
   */
  memory(): { rss: number; anon: number; file: number };
  /** What the child wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

/** First sample of `name` in Prometheus text, optionally the one whose labels contain `labels`. */
export function metricValue(text: string, name: string, labels = ''): number {
  const re = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm');
  for (let m = re.exec(text); m; m = re.exec(text)) if ((m[1] ?? '').includes(labels)) return Number(m[2]);
  return NaN;
}

/** `attnscan serve <args>` on a free loopback port; resolves once it prints its address. */
export async function startServer(args: string[]): Promise<ChildServer> {
  const p = spawn(process.execPath, ['--import', 'tsx', join(root, 'lib/cli/main.ts'), 'serve', '--port', '0', '--json', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  p.stderr.on('data', (c) => (err += c));
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    p.stdout.on('data', (c) => {
      buf += c;
      if (buf.includes('\n')) resolve(buf.split('\n')[0]);
    });
    p.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err.trim()}`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  const metrics = async () => (await fetch(`${url}/metrics`)).text();
  const exited = new Promise<void>((resolve) => p.on('exit', () => resolve()));
  return {
    url,
    pid: p.pid!,
    metrics,
    metric: async (m) => metricValue(await metrics(), m),
    memory() {
      let status = '';
      try {
        status = readFileSync(`/proc/${p.pid}/status`, 'utf8');
      } catch {
        // exited, or not Linux
      }
      const kb = (field: string) => {
        const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
        return m ? Number(m[1]) * 1024 : NaN;
      };
      return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
    },
    stderr: () => err,
    async stop() {
      if (p.exitCode === null) p.kill('SIGTERM');
      await exited;
    },
  };
}
