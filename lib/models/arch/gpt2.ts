// GPT2LMHeadModel (transformers models/gpt2/modeling_gpt2.py; Radford et al. 2019).
// Glossary: wte/wpe = token/learned position tables; h.i = block i (pre-LayerNorm); c_attn =
// fused q|k|v Conv1D stored [in, out]; gelu_new = tanh GELU; lm_head tied to wte.
import { CheckpointError } from '../../errors.js';
import { attention } from '../layers/attention.js';
import { preNorm } from '../layers/block.js';
import { embedding, positionEmbedding } from '../layers/embedding.js';
import { mlp } from '../layers/mlp.js';
import { layerNorm } from '../layers/norm.js';
import { activationOf } from '../layers/ops.js';
import { decoderOnly } from '../net.js';
import type { Architecture } from './types.js';

export const gpt2: Architecture = {
  basePrefix: 'transformer.',
  build(r, w, ops) {
    const hidden = r.int('n_embd');
    const heads = r.int('n_head');
    const c = {
      vocabSize: r.int('vocab_size'), hidden, heads, layers: r.int('n_layer'), positions: r.int('n_positions'),
      inner: r.optInt('n_inner') ?? 4 * hidden, eps: r.num('layer_norm_epsilon', 1e-5),
      act: activationOf(r.str('activation_function', 'gelu_new')), scaleAttnWeights: r.bool('scale_attn_weights', true),
    };
    if (r.bool('scale_attn_by_inverse_layer_idx', false) || r.bool('reorder_and_upcast_attn', false)) {
      throw new CheckpointError('config.json: GPT-2 scale_attn_by_inverse_layer_idx / reorder_and_upcast_attn are not supported');
    }
    const headDim = r.divisible('n_embd / n_head', hidden, heads);
    const wte = embedding(ops, w, 'transformer.wte.weight', c.vocabSize, hidden);
    const wpe = positionEmbedding(ops, w, 'transformer.wpe.weight', c.positions, hidden);
    const blocks = Array.from({ length: c.layers }, (_, i) => {
      const p = `transformer.h.${i}`;
      return preNorm([
        { name: 'attn_out', norm: layerNorm(ops, w, `${p}.ln_1`, hidden, c.eps),
          f: attention(ops, w, `${p}.attn`, { hidden, heads, headDim, bias: true, conv1d: true,
            names: { qkv: 'c_attn', o: 'c_proj' }, scale: c.scaleAttnWeights ? undefined : 1 }) },
        { name: 'ffn_out', norm: layerNorm(ops, w, `${p}.ln_2`, hidden, c.eps),
          f: mlp(ops, w, `${p}.mlp`, { hidden, inner: c.inner, act: c.act, up: 'c_fc', down: 'c_proj', bias: true, conv1d: true }) },
      ]);
    });
    const head = w.tied('lm_head.weight', 'transformer.wte.weight', [c.vocabSize, hidden]);
    const net = decoderOnly({
      vocabSize: c.vocabSize,
      embed: (ids, positions) => ops.add(wte(ids), wpe(positions)),
      blocks,
      finalNorm: layerNorm(ops, w, 'transformer.ln_f', hidden, c.eps),
      head: (x) => ops.linear(x, head),
    });
    return { config: c, net };
  },
};
