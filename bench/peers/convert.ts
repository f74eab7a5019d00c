// HF checkpoint (config.json + model.safetensors, as bench/models/checkpoints.ts writes them) to
// GGUF for llama.cpp, following llama.cpp's convert_hf_to_gguf.py (LlamaModel, MambaModel):
// - LLaMA: q_proj / k_proj rows permuted per head from HF's rotate-half RoPE layout (pairs
//   (i, i + d/2)) to GGUF's interleaved one (pairs (2i, 2i + 1)); names model.layers.N.* ->
//   blk.N.attn_q / attn_k / attn_v / attn_output / attn_norm / ffn_gate / ffn_up / ffn_down / ffn_norm.
// - Mamba: A = -exp(A_log) stored as ssm_a; conv1d.weight [inner, 1, k] squeezed to [inner, k];
//   the head is tied (llama.cpp reuses token_embd when output.weight is absent).
// - 1-D tensors (norms, biases, A, D) are F32 whatever the checkpoint dtype, as the converter does;
//   matrices keep the checkpoint's dtype (F32 or F16 bits copied as they are).
// The vocabulary is a SentencePiece-style one ("llama" tokenizer model) of the config's size:
// <unk> <s> </s>, the 256 byte tokens <0x00>..<0xFF>, then placeholder pieces. The bench feeds
// token ids directly, so the pieces only have to be a vocabulary llama.cpp accepts.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { decodeTensor, parseSafetensorsHeader } from '../../lib/io/safetensors.js';
import { f16ToF32 } from '../../lib/kernels/half.js';
import { type GgufTensor, type GgufValue, writeGguf } from './gguf.js';

/** Bump when the conversion changes: the cached file name carries it. */
export const CONVERTER_VERSION = 1;

type Config = Record<string, unknown>;
interface Source {
  /** dtype and shape from the header (no data read). */
  info(name: string): { dtype: 'F32' | 'F16'; shape: number[] };
  data(name: string): Float32Array | Uint16Array;
  has(name: string): boolean;
}

const u32 = (value: number): GgufValue => ({ type: 'u32', value });
const f32 = (value: number): GgufValue => ({ type: 'f32', value });
const str = (value: string): GgufValue => ({ type: 'string', value });

export function spmVocab(size: number): Record<string, GgufValue> {
  if (size < 259) throw new Error(`vocabulary of ${size} is too small for the 256 byte tokens`);
  const tokens: string[] = new Array(size);
  const scores = new Float32Array(size);
  const types = new Int32Array(size);
  tokens[0] = '<unk>';
  types[0] = 2; // UNKNOWN
  tokens[1] = '<s>';
  tokens[2] = '</s>';
  types[1] = types[2] = 3; // CONTROL
  for (let b = 0; b < 256; b++) {
    tokens[3 + b] = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
    types[3 + b] = 6; // BYTE
  }
  for (let i = 259; i < size; i++) {
    tokens[i] = `\u2581t${i}`;
    scores[i] = -i;
    types[i] = 1; // NORMAL
  }
  return {
    'tokenizer.ggml.model': str('llama'),
    'tokenizer.ggml.tokens': { type: 'array', of: 'string', value: tokens },
    'tokenizer.ggml.scores': { type: 'array', of: 'f32', value: scores },
    'tokenizer.ggml.token_type': { type: 'array', of: 'i32', value: types },
    'tokenizer.ggml.unknown_token_id': u32(0),
    'tokenizer.ggml.bos_token_id': u32(1),
    'tokenizer.ggml.eos_token_id': u32(2),
    'tokenizer.ggml.add_bos_token': { type: 'bool', value: false },
  };
}

/** HF q/k rows [heads * d, in] -> GGUF order: within a head, row 2j + s takes HF row s * d/2 + j. */
export function permuteRope<T extends Float32Array | Uint16Array>(w: T, heads: number, cols: number): T {
  const rows = w.length / cols;
  const d = rows / heads;
  if (!Number.isInteger(d) || d % 2) throw new Error(`rope permutation: ${rows} rows do not split into ${heads} heads of even size`);
  const out = new (w.constructor as new (n: number) => T)(w.length);
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < d / 2; j++) {
      for (let s = 0; s < 2; s++) {
        const src = (h * d + s * (d / 2) + j) * cols;
        out.set(w.subarray(src, src + cols), (h * d + 2 * j + s) * cols);
      }
    }
  }
  return out;
}

function asF32(d: Float32Array | Uint16Array): Float32Array {
  return d instanceof Float32Array ? d : Float32Array.from(d, f16ToF32);
}

function matrix(src: Source, from: string, to: string, map: (d: Float32Array | Uint16Array) => Float32Array | Uint16Array = (d) => d): GgufTensor {
  const t = src.info(from);
  return { name: to, dims: t.shape, dtype: t.dtype, data: () => map(src.data(from)) };
}

function vector(src: Source, from: string, to: string, map: (d: Float32Array) => Float32Array = (d) => d, dims?: number[]): GgufTensor {
  return { name: to, dims: dims ?? src.info(from).shape, dtype: 'F32', data: () => map(asF32(src.data(from))) };
}

const fileType = (src: Source, name: string) => u32(src.info(name).dtype === 'F32' ? 0 : 1); // ALL_F32 / MOSTLY_F16

function llamaGguf(c: Config, src: Source): { metadata: Record<string, GgufValue>; tensors: GgufTensor[] } {
  const n = (k: string) => c[k] as number;
  const heads = n('num_attention_heads');
  const kvHeads = (c.num_key_value_heads as number | undefined) ?? heads;
  const hidden = n('hidden_size');
  const headDim = (c.head_dim as number | undefined) ?? hidden / heads;
  const metadata: Record<string, GgufValue> = {
    'general.architecture': str('llama'),
    'general.name': str('attnscan-bench-llama'),
    'general.alignment': u32(32),
    'general.file_type': fileType(src, 'model.layers.0.self_attn.q_proj.weight'),
    'llama.vocab_size': u32(n('vocab_size')),
    'llama.context_length': u32(n('max_position_embeddings')),
    'llama.embedding_length': u32(hidden),
    'llama.block_count': u32(n('num_hidden_layers')),
    'llama.feed_forward_length': u32(n('intermediate_size')),
    'llama.attention.head_count': u32(heads),
    'llama.attention.head_count_kv': u32(kvHeads),
    'llama.rope.dimension_count': u32(headDim),
    'llama.rope.freq_base': f32((c.rope_theta as number | undefined) ?? 10000),
    'llama.attention.layer_norm_rms_epsilon': f32((c.rms_norm_eps as number | undefined) ?? 1e-6),
    ...spmVocab(n('vocab_size')),
  };
  const tensors: GgufTensor[] = [matrix(src, 'model.embed_tokens.weight', 'token_embd.weight')];
  for (let i = 0; i < n('num_hidden_layers'); i++) {
    const p = `model.layers.${i}`;
    const b = `blk.${i}`;
    tensors.push(
      vector(src, `${p}.input_layernorm.weight`, `${b}.attn_norm.weight`),
      matrix(src, `${p}.self_attn.q_proj.weight`, `${b}.attn_q.weight`, (d) => permuteRope(d, heads, hidden)),
      matrix(src, `${p}.self_attn.k_proj.weight`, `${b}.attn_k.weight`, (d) => permuteRope(d, kvHeads, hidden)),
      matrix(src, `${p}.self_attn.v_proj.weight`, `${b}.attn_v.weight`),
      matrix(src, `${p}.self_attn.o_proj.weight`, `${b}.attn_output.weight`),
      vector(src, `${p}.post_attention_layernorm.weight`, `${b}.ffn_norm.weight`),
      matrix(src, `${p}.mlp.gate_proj.weight`, `${b}.ffn_gate.weight`),
      matrix(src, `${p}.mlp.up_proj.weight`, `${b}.ffn_up.weight`),
      matrix(src, `${p}.mlp.down_proj.weight`, `${b}.ffn_down.weight`),
    );
  }
  tensors.push(vector(src, 'model.norm.weight', 'output_norm.weight'));
  if (src.has('lm_head.weight')) tensors.push(matrix(src, 'lm_head.weight', 'output.weight'));
  return { metadata, tensors };
}

function mambaGguf(c: Config, src: Source): { metadata: Record<string, GgufValue>; tensors: GgufTensor[] } {
  const n = (k: string) => c[k] as number;
  const hidden = n('hidden_size');
  const inner = (c.intermediate_size as number | undefined) ?? ((c.expand as number | undefined) ?? 2) * hidden;
  const rank = c.time_step_rank === 'auto' || c.time_step_rank === undefined ? Math.ceil(hidden / 16) : n('time_step_rank');
  const metadata: Record<string, GgufValue> = {
    'general.architecture': str('mamba'),
    'general.name': str('attnscan-bench-mamba'),
    'general.alignment': u32(32),
    'general.file_type': fileType(src, 'backbone.layers.0.mixer.in_proj.weight'),
    'mamba.vocab_size': u32(n('vocab_size')),
    'mamba.context_length': u32(2 ** 20), // no positional limit; the converter writes the same
    'mamba.embedding_length': u32(hidden),
    'mamba.feed_forward_length': u32(0),
    'mamba.attention.head_count': u32(0),
    'mamba.block_count': u32(n('num_hidden_layers')),
    'mamba.ssm.conv_kernel': u32((c.conv_kernel as number | undefined) ?? 4),
    'mamba.ssm.inner_size': u32(inner),
    'mamba.ssm.state_size': u32((c.state_size as number | undefined) ?? 16),
    'mamba.ssm.time_step_rank': u32(rank),
    'mamba.ssm.dt_b_c_rms': { type: 'bool', value: false },
    'mamba.attention.layer_norm_rms_epsilon': f32((c.layer_norm_epsilon as number | undefined) ?? 1e-5),
    ...spmVocab(n('vocab_size')),
  };
  const tensors: GgufTensor[] = [matrix(src, 'backbone.embeddings.weight', 'token_embd.weight')];
  for (let i = 0; i < n('num_hidden_layers'); i++) {
    const p = `backbone.layers.${i}`;
    const m = `${p}.mixer`;
    const b = `blk.${i}`;
    const conv = src.info(`${m}.conv1d.weight`).shape;
    tensors.push(
      vector(src, `${p}.norm.weight`, `${b}.attn_norm.weight`),
      matrix(src, `${m}.in_proj.weight`, `${b}.ssm_in.weight`),
      vector(src, `${m}.conv1d.weight`, `${b}.ssm_conv1d.weight`, undefined, [conv[0], conv[conv.length - 1]]),
      vector(src, `${m}.conv1d.bias`, `${b}.ssm_conv1d.bias`),
      matrix(src, `${m}.x_proj.weight`, `${b}.ssm_x.weight`),
      matrix(src, `${m}.dt_proj.weight`, `${b}.ssm_dt.weight`),
      vector(src, `${m}.dt_proj.bias`, `${b}.ssm_dt.bias`),
      vector(src, `${m}.A_log`, `${b}.ssm_a`, (d) => d.map((x) => -Math.exp(x))),
      vector(src, `${m}.D`, `${b}.ssm_d`),
      matrix(src, `${m}.out_proj.weight`, `${b}.ssm_out.weight`),
    );
  }
  tensors.push(vector(src, 'backbone.norm_f.weight', 'output_norm.weight'));
  if (src.has('lm_head.weight') && !c.tie_word_embeddings) tensors.push(matrix(src, 'lm_head.weight', 'output.weight'));
  return { metadata, tensors };
}

function openSafetensors(file: string): Source {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  const len = Buffer.alloc(8);
  readSync(fd, len, 0, 8, 0);
  closeSync(fd);
  const bytes = readFileSync(file);
  const header = parseSafetensorsHeader(bytes.subarray(0, 8 + Number(len.readBigUInt64LE(0))), size, file);
  const entry = (name: string) => {
    const e = header.tensors.get(name);
    if (!e) throw new Error(`${file}: no tensor ${name}`);
    if (e.dtype !== 'F32' && e.dtype !== 'F16') throw new Error(`${file}: ${name} is ${e.dtype}; the GGUF converter takes F32 or F16`);
    return { dtype: e.dtype, shape: e.shape };
  };
  return {
    has: (name) => header.tensors.has(name),
    info: entry,
    data: (name) => {
      entry(name);
      return decodeTensor(bytes, header, name, file).data as Float32Array | Uint16Array;
    },
  };
}

/** Writes `<dir>/model-v<N>.gguf` from the HF checkpoint in `dir` unless it is already there. */
export function ensureGguf(dir: string): { path: string; built: boolean; seconds: number } {
  const path = join(dir, `model-v${CONVERTER_VERSION}.gguf`);
  if (existsSync(path) && statSync(path).size > 0) return { path, built: false, seconds: 0 };
  const t0 = performance.now();
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Config;
  const src = openSafetensors(join(dir, 'model.safetensors'));
  const arch = (config.architectures as string[] | undefined)?.[0];
  const g = arch === 'LlamaForCausalLM' ? llamaGguf(config, src) : arch === 'MambaForCausalLM' ? mambaGguf(config, src) : undefined;
  if (!g) throw new Error(`no GGUF conversion for ${arch ?? 'an unnamed architecture'} (${dir})`);
  writeGguf(path, g.metadata, g.tensors);
  return { path, built: true, seconds: (performance.now() - t0) / 1000 };
}
