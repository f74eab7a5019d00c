// What the machine allows for one checkpoint: FLOPs per prompt (prefill, against the FMA peak) and
// bytes per generated token (decode, against the memory read bandwidth). Both are lower bounds on
// the work any implementation must do, the same for attnscan and llama.cpp:
// - prefill: 2 FLOPs per weight of every matrix per token (the LM head once, for the last token
//   only), plus causal attention (QK^T and AV over the visible positions); Mamba's conv and scan
//   (about 3% of its FLOPs) are not counted;
// - decode: every matrix streamed once per token (the embedding: one row), plus the KV cache read
//   up to the position in f16 (llama.cpp's default cache type, the smaller of the two sides'), or
//   Mamba's conv and SSM state read and written in f32.
import { type CheckpointSpec, requestedTensors } from '../models/checkpoints.js';

const isEmbedding = (name: string) => /embed_tokens|embeddings\.weight/.test(name);
const isHead = (name: string) => name === 'lm_head.weight';

export interface CostModel {
  prefillFlops(tokens: number): number;
  decodeBytes(position: number): number;
}

export function costModel(s: CheckpointSpec): CostModel {
  const c = s.config as Record<string, number>;
  const el = s.dtype === 'F16' ? 2 : 4;
  const tensors = requestedTensors(s.config);
  const count = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  const matrices = tensors.filter((t) => t.dims.length >= 2 && !isEmbedding(t.name) && !isHead(t.name) && !/conv1d|A_log/.test(t.name));
  const layerWeights = matrices.reduce((a, t) => a + count(t.dims), 0);
  const headWeights = c.vocab_size * c.hidden_size; // tied or not, the head multiplies by vocab x hidden
  const hidden = c.hidden_size;
  const smallBytes = tensors.filter((t) => !matrices.includes(t) && !isEmbedding(t.name) && !isHead(t.name)).reduce((a, t) => a + 4 * count(t.dims), 0);
  if (s.kind === 'llama') {
    const kvDim = (hidden / c.num_attention_heads) * (c.num_key_value_heads ?? c.num_attention_heads);
    return {
      // sum over positions i = 1..n of 2 (QK) + 2 (AV) FLOPs x hidden x i visible keys.
      prefillFlops: (n) => 2 * layerWeights * n + 2 * headWeights + c.num_hidden_layers * 4 * hidden * ((n * (n + 1)) / 2),
      decodeBytes: (p) => el * (layerWeights + headWeights + hidden) + smallBytes + c.num_hidden_layers * 2 * kvDim * p * 2,
    };
  }
  const inner = c.intermediate_size;
  const state = c.num_hidden_layers * inner * ((c.state_size ?? 16) + (c.conv_kernel ?? 4)) * 4;
  return {
    prefillFlops: (n) => 2 * layerWeights * n + 2 * headWeights,
    decodeBytes: () => el * (layerWeights + headWeights + hidden) + smallBytes + 2 * state,
  };
}
