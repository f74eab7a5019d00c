// Fixture tensors ↔ model arguments and outputs.
import type { DecodedTensor } from '../../lib/io/safetensors.js';
import type { Golden } from './golden.js';

const ARG: Record<string, string> = {
  input_ids: 'inputIds',
  attention_mask: 'attentionMask',
  token_type_ids: 'tokenTypeIds',
  position_ids: 'positionIds',
  decoder_input_ids: 'decoderInputIds',
  decoder_attention_mask: 'decoderAttentionMask',
};

const OUT: Record<string, string> = {
  logits: 'logits',
  last_hidden_state: 'lastHiddenState',
  pooled_output: 'pooledOutput',
  encoder_last_hidden_state: 'encoderLastHiddenState',
  decoder_last_hidden_state: 'decoderLastHiddenState',
  hidden_states: 'hiddenStates',
  encoder_hidden_states: 'encoderHiddenStates',
};

const asIds = (t: DecodedTensor) => ({ data: t.data as Int32Array, dims: t.shape });

export function forwardArgs(g: Golden): Record<string, unknown> {
  const a: Record<string, unknown> = { outputHiddenStates: true };
  for (const [k, n] of Object.entries(ARG)) if (g.t.has(k) && g.c.tensors[k]?.role === 'input') a[n] = asIds(g.t.get(k)!);
  return a;
}

/** The model output matching expected tensor `name` (lists of hidden states concatenated). */
export function outputFor(out: Record<string, unknown>, name: string): ArrayLike<number> | undefined {
  const v = out[OUT[name]];
  if (Array.isArray(v)) {
    const parts = v as { data: Float32Array }[];
    const all = new Float32Array(parts.reduce((s, h) => s + h.data.length, 0));
    let o = 0;
    for (const h of parts) {
      all.set(h.data, o);
      o += h.data.length;
    }
    return all;
  }
  return (v as { data?: Float32Array } | undefined)?.data;
}

export const expectedNames = (g: Golden) => Object.entries(g.c.tensors).filter(([, s]) => s.role === 'expected' && !s.optional).map(([n]) => n);
