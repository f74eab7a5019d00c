// attnscan info DIR: what a checkpoint folder holds, read from its config and safetensors headers
// without building the model: architecture, parameter count, dtypes, weight bytes and the cache
// memory one sequence needs per token (attention) or in all (Mamba's state).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { openCheckpoint } from '../io/checkpoint.js';
import { DTYPE_BYTES } from '../io/safetensors.js';
import { architectureOf } from '../models/registry.js';
import { type Command, parse, UsageError, writeJson } from './common.js';

const options = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

const num = (c: Record<string, unknown>, ...keys: string[]): number | undefined => {
  for (const k of keys) if (typeof c[k] === 'number') return c[k] as number;
  return undefined;
};

/** f32 cache bytes: K and V per layer per token for attention; conv + SSM state per sequence for Mamba. */
function cacheBytes(c: Record<string, unknown>, arch: string): { perToken?: number; perSequence?: number } {
  const layers = num(c, 'num_hidden_layers', 'n_layer', 'num_layers', 'decoder_layers');
  if (layers === undefined) return {};
  if (/Mamba/.test(arch)) {
    const inner = num(c, 'intermediate_size') ?? 2 * (num(c, 'hidden_size') ?? 0);
    return { perSequence: 4 * layers * inner * ((num(c, 'state_size') ?? 16) + (num(c, 'conv_kernel') ?? 4)) };
  }
  const hidden = num(c, 'hidden_size', 'n_embd', 'd_model');
  const heads = num(c, 'num_attention_heads', 'n_head', 'num_heads', 'decoder_attention_heads');
  if (hidden === undefined || heads === undefined) return {};
  const headDim = num(c, 'head_dim', 'd_kv') ?? hidden / heads;
  const kvHeads = num(c, 'num_key_value_heads') ?? heads;
  return { perToken: 2 * 4 * layers * kvHeads * headDim };
}

const human = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
const count = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}K` : String(n));

export const infoCommand: Command = {
  name: 'info',
  summary: 'architecture, parameters, dtypes and memory of a checkpoint folder',
  usage: `attnscan info [--json] DIR

Options:
      --json           machine-readable output on stdout
  -h, --help           this help`,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options);
    if (positionals.length !== 1) throw new UsageError('info takes one checkpoint folder');
    const dir = resolve(positionals[0]);
    const ckpt = await openCheckpoint(dir, { mmap: false });
    try {
      const c = ckpt.config;
      const { name: arch } = architectureOf(c, dir);
      let parameters = 0;
      let weightBytes = 0;
      const dtypes: Record<string, number> = {};
      for (const name of ckpt.names()) {
        const w = ckpt.info(name);
        const n = w.dims.reduce((a, b) => a * b, 1);
        parameters += n;
        weightBytes += n * DTYPE_BYTES[w.dtype];
        dtypes[w.dtype] = (dtypes[w.dtype] ?? 0) + n;
      }
      const cache = cacheBytes(c, arch);
      const report = {
        dir,
        architecture: arch,
        modelType: c.model_type ?? null,
        parameters,
        dtypes,
        weightBytes,
        fileBytes: ckpt.totalBytes,
        vocabSize: num(c, 'vocab_size') ?? null,
        hiddenSize: num(c, 'hidden_size', 'n_embd', 'd_model') ?? null,
        layers: num(c, 'num_hidden_layers', 'n_layer', 'num_layers') ?? null,
        contextLength: /Mamba/.test(arch) ? null : (num(c, 'max_position_embeddings', 'n_positions', 'n_ctx') ?? null),
        cacheBytesPerToken: cache.perToken ?? null,
        stateBytesPerSequence: cache.perSequence ?? null,
        tokenizer: existsSync(join(dir, 'tokenizer.json')),
      };
      if (values.json) writeJson(io, report);
      else {
        const rows: [string, string][] = [
          ['architecture', `${arch}${report.modelType ? ` (${String(report.modelType)})` : ''}`],
          ['parameters', `${count(parameters)} (${parameters})`],
          ['dtypes', Object.entries(dtypes).map(([d, n]) => `${d} ${count(n)}`).join(', ')],
          ['weights', `${human(weightBytes)} (files ${human(ckpt.totalBytes)})`],
          ['vocab / hidden / layers', `${report.vocabSize ?? '?'} / ${report.hiddenSize ?? '?'} / ${report.layers ?? '?'}`],
          ['context', report.contextLength !== null ? `${report.contextLength} tokens` : /Mamba/.test(arch) ? 'unbounded (recurrent state)' : 'no fixed limit (relative positions)'],
        ];
        const seq = report.contextLength ?? 2048;
        if (cache.perToken) rows.push(['KV cache (f32)', `${human(cache.perToken)} per token, ${human(cache.perToken * seq)} per ${seq}-token sequence`]);
        if (cache.perSequence) rows.push(['state (f32)', `${human(cache.perSequence)} per sequence`]);
        rows.push(['tokenizer', report.tokenizer ? 'tokenizer.json' : 'none (token ids only)']);
        const w = Math.max(...rows.map(([k]) => k.length));
        for (const [k, v] of rows) io.out.write(`${k.padEnd(w)}  ${v}\n`);
      }
      return 0;
    } finally {
      ckpt.close();
    }
  },
};
