// Deterministic tiny checkpoints for every architecture: a config.json and a model.safetensors of
// seeded weights, in HF layout. The tensor list comes from the architecture itself (the names and
// shapes its builder asks for, tied weights left out as HF leaves them out); values are seeded
// noise, with norms near 1 and Mamba's A_log / dt bias in their usual ranges.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { f32ToBf16, f32ToF16 } from '../../lib/kernels/half.js';
import { writeSafetensors, type WritableTensor } from '../../lib/io/safetensors-writer.js';
import { ConfigReader } from '../../lib/models/config.js';
import { bindOps } from '../../lib/models/layers/ops.js';
import { architectureOf } from '../../lib/models/registry.js';
import { Weights } from '../../lib/models/weights.js';
import { Rng } from './rng.js';

const base = { vocab_size: 96, pad_token_id: 0, bos_token_id: 1, eos_token_id: 2 };

/** Small configs per architecture class; override any key. */
export const tinyConfigs: Record<string, Record<string, unknown>> = {
  BertForMaskedLM: { ...base, hidden_size: 32, num_attention_heads: 4, num_hidden_layers: 2, intermediate_size: 48, max_position_embeddings: 40, type_vocab_size: 2, hidden_act: 'gelu' },
  BertForSequenceClassification: { ...base, hidden_size: 32, num_attention_heads: 2, num_hidden_layers: 2, intermediate_size: 40, max_position_embeddings: 40, id2label: { 0: 'NEG', 1: 'POS' } },
  BertModel: { ...base, hidden_size: 24, num_attention_heads: 3, num_hidden_layers: 1, intermediate_size: 40, max_position_embeddings: 40 },
  RobertaForMaskedLM: { ...base, pad_token_id: 1, hidden_size: 32, num_attention_heads: 4, num_hidden_layers: 2, intermediate_size: 48, max_position_embeddings: 42, type_vocab_size: 1 },
  RobertaForSequenceClassification: { ...base, pad_token_id: 1, hidden_size: 32, num_attention_heads: 4, num_hidden_layers: 1, intermediate_size: 48, max_position_embeddings: 42, type_vocab_size: 1, id2label: { 0: 'a', 1: 'b', 2: 'c' } },
  AlbertForMaskedLM: { ...base, embedding_size: 16, hidden_size: 32, num_attention_heads: 4, num_hidden_layers: 4, num_hidden_groups: 2, inner_group_num: 2, intermediate_size: 48, max_position_embeddings: 40 },
  GPT2LMHeadModel: { ...base, n_embd: 32, n_head: 4, n_layer: 2, n_positions: 48, activation_function: 'gelu_new' },
  LlamaForCausalLM: { ...base, hidden_size: 48, num_attention_heads: 6, num_key_value_heads: 2, num_hidden_layers: 2, intermediate_size: 64, max_position_embeddings: 64, rope_theta: 500000, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 16 }, tie_word_embeddings: true },
  T5ForConditionalGeneration: { ...base, d_model: 32, d_kv: 12, d_ff: 48, num_heads: 4, num_layers: 2, num_decoder_layers: 3, feed_forward_proj: 'gated-gelu', relative_attention_num_buckets: 16, relative_attention_max_distance: 32, tie_word_embeddings: false, decoder_start_token_id: 0 },
  BartForConditionalGeneration: { ...base, d_model: 32, encoder_attention_heads: 4, decoder_attention_heads: 2, encoder_layers: 2, decoder_layers: 1, encoder_ffn_dim: 48, decoder_ffn_dim: 40, max_position_embeddings: 48, scale_embedding: true, decoder_start_token_id: 2, activation_function: 'gelu' },
  MBartForConditionalGeneration: { ...base, d_model: 32, encoder_attention_heads: 4, decoder_attention_heads: 4, encoder_layers: 2, decoder_layers: 2, encoder_ffn_dim: 40, decoder_ffn_dim: 48, max_position_embeddings: 40, scale_embedding: true, decoder_start_token_id: 2, activation_function: 'gelu' },
  MambaForCausalLM: { ...base, hidden_size: 32, state_size: 16, expand: 2, intermediate_size: 64, conv_kernel: 4, time_step_rank: 'auto', num_hidden_layers: 2 },
};

export interface TinyOptions {
  seed?: number;
  dtype?: 'F32' | 'F16' | 'BF16';
  config?: Record<string, unknown>;
  /** Store names without the base prefix ('bert.', 'model.' ...), as HF's base classes (BertModel) save them. */
  stripBasePrefix?: boolean;
}

/** The tensors the architecture asks for, with seeded values. */
export function tinyTensors(config: Record<string, unknown>, opts: TinyOptions = {}): Record<string, WritableTensor> {
  const { arch } = architectureOf(config, 'tiny');
  const w = new Weights({ has: () => false, get: () => { throw new Error('unreachable'); }, names: () => [], dir: 'tiny' }, arch.basePrefix);
  arch.build(new ConfigReader(config, 'tiny'), w, bindOps('ts'), config);
  const rng = new Rng(opts.seed ?? 1234);
  const out: Record<string, WritableTensor> = {};
  for (const { name: asked, dims } of w.requested) {
    const p = arch.basePrefix;
    const name = opts.stripBasePrefix && p && asked.startsWith(p) ? asked.slice(p.length) : asked;
    if (out[name]) continue;
    const n = dims.reduce((a, b) => a * b, 1);
    let v: Float32Array;
    if (name.endsWith('A_log')) v = Float32Array.from({ length: n }, (_, i) => Math.log(1 + (i % dims[dims.length - 1])));
    else if (/norm|LayerNorm|ln_/.test(name) && name.endsWith('weight') && dims.length === 1) v = rng.f32(n, 0.1).map((x) => 1 + x);
    else if (name.endsWith('dt_proj.bias')) v = rng.uniform(n, -4, -2);
    else v = rng.f32(n, 0.3);
    const dtype = opts.dtype ?? 'F32';
    out[name] =
      dtype === 'F32' ? { dtype, dims, data: v } : { dtype, dims, data: Uint16Array.from(v, dtype === 'F16' ? f32ToF16 : f32ToBf16) };
  }
  return out;
}

/** Writes config.json + model.safetensors for `architecture` into dir; returns dir. */
export function writeTinyCheckpoint(dir: string, architecture: string, opts: TinyOptions = {}): string {
  const config = { architectures: [architecture], ...tinyConfigs[architecture], ...opts.config };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  writeSafetensors(join(dir, 'model.safetensors'), tinyTensors(config, opts), { format: 'pt' });
  return dir;
}
