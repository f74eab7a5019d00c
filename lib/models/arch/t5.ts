// T5ForConditionalGeneration (transformers models/t5/modeling_t5.py; Raffel et al. 2020).
// Glossary: d_kv = per-head width (heads · d_kv may differ from d_model); relative position
// buckets (bidirectional in the encoder, causal in the decoder) from block 0 bias every layer's
// self-attention; scores are not scaled; RMS layer norm; feed-forward `ACT` (wi, wo) or `gated-ACT`
// (wi_0 gated by ACT, times wi_1, then wo), parsed as T5Config does — "gated-gelu" means gelu_new
// (tanh), kept for old checkpoints; a tied head rescales the decoder output by d_model^-0.5.
import { attention } from '../layers/attention.js';
import { preNorm, type Sublayer } from '../layers/block.js';
import { embedding } from '../layers/embedding.js';
import { gatedMlp, mlp } from '../layers/mlp.js';
import { rmsNorm } from '../layers/norm.js';
import { type Activation, activationOf, scaled, supportedActivations } from '../layers/ops.js';
import { relativePositionBias } from '../layers/positions.js';
import { seq2seq, type StackSpec } from '../net.js';
import type { ConfigReader } from '../config.js';
import { toF32 } from '../weights.js';
import type { Architecture } from './types.js';

/**
 * T5Config's reading of feed_forward_proj: "ACT" or "gated-ACT", ACT one of HF's ACT2FN names. A
 * RangeError, which loadLocal reports as a CheckpointError naming config.json.
 */
function feedForwardOf(r: ConfigReader): { gated: boolean; act: Activation } {
  const proj = r.str('feed_forward_proj', 'relu');
  const parts = proj.split('-');
  const gated = parts[0] === 'gated';
  if ((parts.length > 1 && !gated) || parts.length > 2) {
    throw new RangeError(`config.feed_forward_proj "${proj}" is not of the form "gated-ACT" or "ACT" (e.g. "gated-gelu", "relu")`);
  }
  const name = proj === 'gated-gelu' ? 'gelu_new' : parts[parts.length - 1];
  try {
    return { gated, act: activationOf(name) };
  } catch {
    throw new RangeError(
      `config.feed_forward_proj "${proj}": activation "${name}" is not supported (supported: ${supportedActivations.join(', ')})`,
    );
  }
}

export const t5: Architecture = {
  basePrefix: '',
  build(r, w, ops) {
    const hidden = r.int('d_model');
    const ffn = feedForwardOf(r);
    const c = {
      vocabSize: r.int('vocab_size'), hidden, dKv: r.int('d_kv'), dFf: r.int('d_ff'), heads: r.int('num_heads'),
      layers: r.int('num_layers'), decoderLayers: r.int('num_decoder_layers', r.int('num_layers')),
      numBuckets: r.int('relative_attention_num_buckets', 32), maxDistance: r.int('relative_attention_max_distance', 128),
      eps: r.num('layer_norm_epsilon', 1e-6), gated: ffn.gated, act: ffn.act,
      tieWordEmbeddings: r.bool('tie_word_embeddings', true), decoderStartTokenId: r.optInt('decoder_start_token_id') ?? r.optInt('pad_token_id') ?? 0,
    };
    const { heads, dKv } = c;
    const shared = embedding(ops, w, 'shared.weight', c.vocabSize, hidden);
    const ff = (p: string) => {
      const o = { hidden, inner: c.dFf, up: 'wi', down: 'wo' };
      return c.gated ? gatedMlp(ops, w, `${p}.DenseReluDense`, { ...o, gate: 'wi_0', up: 'wi_1', act: c.act })
        : mlp(ops, w, `${p}.DenseReluDense`, { ...o, act: c.act });
    };
    const attn = (p: string, cross: boolean) =>
      attention(ops, w, p, { hidden, heads, headDim: dKv, bias: false, names: { q: 'q', k: 'k', v: 'v', o: 'o' }, scale: 1, cross, useBias: !cross });
    function stack(name: 'encoder' | 'decoder', layers: number): StackSpec {
      const decoder = name === 'decoder';
      const table = toF32(w.get(`${name}.block.0.layer.0.SelfAttention.relative_attention_bias.weight`, [c.numBuckets, heads]));
      const blocks = Array.from({ length: layers }, (_, i) => {
        const p = `${name}.block.${i}.layer`;
        const subs: Sublayer[] = [{ name: 'attn_out', norm: rmsNorm(ops, w, `${p}.0.layer_norm`, hidden, c.eps), f: attn(`${p}.0.SelfAttention`, false) }];
        if (decoder) subs.push({ name: 'cross_out', norm: rmsNorm(ops, w, `${p}.1.layer_norm`, hidden, c.eps), f: attn(`${p}.1.EncDecAttention`, true) });
        const f = decoder ? 2 : 1;
        subs.push({ name: 'ffn_out', norm: rmsNorm(ops, w, `${p}.${f}.layer_norm`, hidden, c.eps), f: ff(`${p}.${f}`) });
        return preNorm(subs);
      });
      const o = { bidirectional: !decoder, numBuckets: c.numBuckets, maxDistance: c.maxDistance };
      return {
        embed: (ids) => shared(ids),
        blocks,
        finalNorm: rmsNorm(ops, w, `${name}.final_layer_norm`, hidden, c.eps),
        bias: (qStart, qLen, kLen) => relativePositionBias(table, heads, o, qStart, qLen, kLen),
      };
    }
    const headW = c.tieWordEmbeddings ? shared.table : w.get('lm_head.weight', [c.vocabSize, hidden]);
    const rescale = c.tieWordEmbeddings ? hidden ** -0.5 : 1;
    const net = seq2seq({
      vocabSize: c.vocabSize, decoderStartTokenId: c.decoderStartTokenId,
      encoder: stack('encoder', c.layers), decoder: stack('decoder', c.decoderLayers),
      head: (x) => ops.linear(rescale === 1 ? x : scaled(x, rescale), headW),
    });
    return { config: c, net };
  },
};
