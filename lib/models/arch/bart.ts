// BartForConditionalGeneration (transformers models/bart/modeling_bart.py; Lewis et al. 2020).
// Glossary: learned positions read at p + 2; layernorm_embedding after token + position
// embeddings; post-LayerNorm layers; embed_scale = sqrt(d_model) when scale_embedding; the head is
// tied to model.shared plus final_logits_bias. The family's pre-LN member (mBART, mbart.ts) takes
// the same weights plus a final layer_norm per stack.
import { Tensor } from '../../tensor.js';
import { attention } from '../layers/attention.js';
import { postNorm, preNorm, type Sublayer } from '../layers/block.js';
import { embedding, positionEmbedding } from '../layers/embedding.js';
import { mlp } from '../layers/mlp.js';
import { layerNorm } from '../layers/norm.js';
import { activationOf, scaled } from '../layers/ops.js';
import { seq2seq, type StackSpec } from '../net.js';
import { asF32 } from '../weights.js';
import type { Architecture } from './types.js';

export interface BartVariant {
  /** LayerNorm on each sub-layer's input and a final `layer_norm` after each stack (mBART). */
  preLn: boolean;
}

export const bartFamily = (v: BartVariant): Architecture => ({
  basePrefix: 'model.',
  build(r, w, ops) {
    const hidden = r.int('d_model');
    const c = {
      vocabSize: r.int('vocab_size'), hidden, maxPositions: r.int('max_position_embeddings'),
      encoderLayers: r.int('encoder_layers'), decoderLayers: r.int('decoder_layers'),
      encoderHeads: r.int('encoder_attention_heads'), decoderHeads: r.int('decoder_attention_heads'),
      encoderFfn: r.int('encoder_ffn_dim'), decoderFfn: r.int('decoder_ffn_dim'),
      act: activationOf(r.str('activation_function', 'gelu')), scaleEmbedding: r.bool('scale_embedding', false),
      decoderStartTokenId: r.int('decoder_start_token_id', 2),
    };
    const eps = 1e-5;
    const shared = embedding(ops, w, 'model.shared.weight', c.vocabSize, hidden);
    const embedScale = c.scaleEmbedding ? Math.sqrt(hidden) : 1;
    function stack(name: 'encoder' | 'decoder'): StackSpec {
      const decoder = name === 'decoder';
      const p = `model.${name}`;
      const heads = decoder ? c.decoderHeads : c.encoderHeads;
      const headDim = hidden / heads;
      const inner = decoder ? c.decoderFfn : c.encoderFfn;
      const names = { q: 'q_proj', k: 'k_proj', v: 'v_proj', o: 'out_proj' };
      const pos = positionEmbedding(ops, w, `${p}.embed_positions.weight`, c.maxPositions + 2, hidden, 2);
      const embNorm = layerNorm(ops, w, `${p}.layernorm_embedding`, hidden, eps);
      const blocks = Array.from({ length: decoder ? c.decoderLayers : c.encoderLayers }, (_, i) => {
        const l = `${p}.layers.${i}`;
        const subs: Sublayer[] = [{ name: 'attn_out', norm: layerNorm(ops, w, `${l}.self_attn_layer_norm`, hidden, eps),
          f: attention(ops, w, `${l}.self_attn`, { hidden, heads, headDim, bias: true, names }) }];
        if (decoder) subs.push({ name: 'cross_out', norm: layerNorm(ops, w, `${l}.encoder_attn_layer_norm`, hidden, eps),
          f: attention(ops, w, `${l}.encoder_attn`, { hidden, heads, headDim, bias: true, names, cross: true }) });
        subs.push({ name: 'ffn_out', norm: layerNorm(ops, w, `${l}.final_layer_norm`, hidden, eps),
          f: mlp(ops, w, l, { hidden, inner, act: c.act, up: 'fc1', down: 'fc2', bias: true }) });
        return v.preLn ? preNorm(subs) : postNorm(subs);
      });
      return {
        embed: (ids, positions) => {
          const tok = shared(ids);
          return embNorm(ops.add(embedScale === 1 ? tok : scaled(tok, embedScale), pos(positions)));
        },
        blocks,
        ...(v.preLn ? { finalNorm: layerNorm(ops, w, `${p}.layer_norm`, hidden, eps) } : {}),
      };
    }
    const headW = w.tied('lm_head.weight', 'model.shared.weight', [c.vocabSize, hidden]);
    const logitsBias = w.opt('final_logits_bias', [1, c.vocabSize]);
    const bias = logitsBias ? new Tensor(asF32(logitsBias).data as Float32Array, [c.vocabSize]) : undefined;
    const net = seq2seq({
      vocabSize: c.vocabSize, decoderStartTokenId: c.decoderStartTokenId,
      encoder: stack('encoder'), decoder: stack('decoder'),
      head: (x) => (bias ? ops.add(ops.linear(x, headW), bias) : ops.linear(x, headW)),
    });
    return { config: c, net };
  },
});

export const bart = bartFamily({ preLn: false });
