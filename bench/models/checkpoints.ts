// Synthetic checkpoints of real model sizes for the model benchmarks: config.json and
// model.safetensors in HF layout, seeded weights scaled like a fresh init (normal x 0.02, norms 1,
// biases 0, Mamba's A_log / dt bias / D in their usual ranges) so activations stay finite.
// The tensor list comes from the architecture itself (the names and shapes its builder asks for).
// A checkpoint is cached under build-bench/models/<name>-<hash>/ and reused while the hash of its
// config, dtype, seed and generator version matches.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { f32ToF16 } from '../../lib/kernels/half.js';
import { writeSafetensors, type WritableTensor } from '../../lib/io/safetensors-writer.js';
import { ConfigReader } from '../../lib/models/config.js';
import { bindOps } from '../../lib/models/layers/ops.js';
import { architectureOf } from '../../lib/models/registry.js';
import { Weights } from '../../lib/models/weights.js';

const GENERATOR_VERSION = 1;

export interface CheckpointSpec {
  /** Short name used in the table and the cache folder. */
  name: string;
  kind: 'llama' | 'mamba' | 'bert';
  dtype: 'F32' | 'F16';
  config: Record<string, unknown>;
  seed: number;
}

const ids = { pad_token_id: 0, bos_token_id: 1, eos_token_id: 2 };

export const llamaConfig = {
  architectures: ['LlamaForCausalLM'], ...ids, vocab_size: 32000, hidden_size: 768, num_hidden_layers: 12,
  num_attention_heads: 12, num_key_value_heads: 12, intermediate_size: 2048, max_position_embeddings: 4096,
  rms_norm_eps: 1e-5, rope_theta: 10000, hidden_act: 'silu', tie_word_embeddings: false,
};
export const mambaConfig = {
  architectures: ['MambaForCausalLM'], ...ids, vocab_size: 50280, hidden_size: 768, num_hidden_layers: 24,
  state_size: 16, expand: 2, intermediate_size: 1536, conv_kernel: 4, time_step_rank: 48,
  layer_norm_epsilon: 1e-5, use_bias: false, use_conv_bias: true, tie_word_embeddings: true,
};
export const bertConfig = {
  architectures: ['BertModel'], pad_token_id: 0, vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12,
  num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512, type_vocab_size: 2,
  hidden_act: 'gelu', layer_norm_eps: 1e-12,
};

/** The same shapes scaled down for the smoke test (--tiny). */
const tinyOverrides: Record<CheckpointSpec['kind'], Record<string, unknown>> = {
  llama: { vocab_size: 512, hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 4, intermediate_size: 128, max_position_embeddings: 256 },
  mamba: { vocab_size: 512, hidden_size: 64, num_hidden_layers: 2, intermediate_size: 128, time_step_rank: 4 },
  bert: { vocab_size: 512, hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 128, max_position_embeddings: 160 },
};

export function specs(tiny: boolean): CheckpointSpec[] {
  const t = (kind: CheckpointSpec['kind'], c: Record<string, unknown>) => (tiny ? { ...c, ...tinyOverrides[kind] } : c);
  const p = tiny ? 'tiny-' : '';
  return [
    { name: `${p}llama-f32`, kind: 'llama', dtype: 'F32', config: t('llama', llamaConfig), seed: 1 },
    { name: `${p}llama-f16`, kind: 'llama', dtype: 'F16', config: { ...t('llama', llamaConfig), torch_dtype: 'float16' }, seed: 1 },
    { name: `${p}mamba-f32`, kind: 'mamba', dtype: 'F32', config: t('mamba', mambaConfig), seed: 2 },
    { name: `${p}bert-f32`, kind: 'bert', dtype: 'F32', config: t('bert', bertConfig), seed: 3 },
  ];
}

/** mulberry32 + Box-Muller: fast enough for ~130M values. */
class FastRng {
  private s: number;
  private spare: number | undefined;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.next()));
    const a = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }
}

/** Names and shapes the architecture loads (tied weights left out, as HF leaves them out). */
export function requestedTensors(config: Record<string, unknown>): { name: string; dims: number[] }[] {
  const { arch } = architectureOf(config, 'bench');
  const w = new Weights({ has: () => false, get: () => { throw new Error('unreachable'); }, names: () => [], dir: 'bench' }, arch.basePrefix);
  arch.build(new ConfigReader(config, 'bench'), w, bindOps('ts'), config);
  const seen = new Set<string>();
  return w.requested.filter(({ name }) => (seen.has(name) ? false : (seen.add(name), true)));
}

function values(name: string, dims: number[], rng: FastRng): Float32Array {
  const n = dims.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  const last = dims[dims.length - 1];
  if (name.endsWith('A_log')) for (let i = 0; i < n; i++) v[i] = Math.log(1 + (i % last));
  else if (name.endsWith('.D')) v.fill(1);
  else if (name.endsWith('dt_proj.bias')) for (let i = 0; i < n; i++) v[i] = -4 + 2 * rng.next();
  else if (/norm|LayerNorm/.test(name) && name.endsWith('weight') && dims.length === 1) v.fill(1);
  else if (name.endsWith('bias')) v.fill(0);
  else for (let i = 0; i < n; i++) v[i] = rng.normal() * 0.02;
  return v;
}

export function specHash(s: CheckpointSpec): string {
  return createHash('sha256').update(JSON.stringify({ v: GENERATOR_VERSION, c: s.config, d: s.dtype, seed: s.seed })).digest('hex').slice(0, 12);
}

/** Bytes per parameter tensor as stored (for the decode roofline). */
export function tensorBytes(s: CheckpointSpec): { name: string; bytes: number }[] {
  const el = s.dtype === 'F16' ? 2 : 4;
  return requestedTensors(s.config).map(({ name, dims }) => ({ name, bytes: el * dims.reduce((a, b) => a * b, 1) }));
}

/** Builds (or reuses) the checkpoint; returns its folder and whether it was built now. */
export function ensureCheckpoint(root: string, s: CheckpointSpec): { dir: string; built: boolean; seconds: number } {
  const dir = join(root, `${s.name}-${specHash(s)}`);
  const file = join(dir, 'model.safetensors');
  if (existsSync(join(dir, 'config.json')) && existsSync(file) && statSync(file).size > 0) return { dir, built: false, seconds: 0 };
  const t0 = performance.now();
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const rng = new FastRng(s.seed);
  const tensors: Record<string, WritableTensor> = {};
  for (const { name, dims } of requestedTensors(s.config)) {
    const v = values(name, dims, rng);
    tensors[name] = s.dtype === 'F32' ? { dtype: 'F32', dims, data: v } : { dtype: 'F16', dims, data: Uint16Array.from(v, f32ToF16) };
  }
  writeSafetensors(join(tmp, 'model.safetensors'), tensors, { format: 'pt' });
  writeFileSync(join(tmp, 'config.json'), `${JSON.stringify(s.config, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { dir, built: true, seconds: (performance.now() - t0) / 1000 };
}
