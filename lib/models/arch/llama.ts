// LlamaForCausalLM (transformers models/llama/modeling_llama.py; Touvron et al. 2023).
// Glossary: hidden = d_model; kvHeads = grouped K/V heads (GQA); rope = rotary positions (Su et
// al. 2021) in rotate_half order; RMSNorm weight multiplies (not 1 + w); SwiGLU MLP.
import { attention } from '../layers/attention.js';
import { preNorm } from '../layers/block.js';
import { embedding } from '../layers/embedding.js';
import { gatedMlp } from '../layers/mlp.js';
import { rmsNorm } from '../layers/norm.js';
import { activationOf } from '../layers/ops.js';
import { ropeFrequencies, ropeScalingOf } from '../layers/positions.js';
import { decoderOnly } from '../net.js';
import type { Architecture } from './types.js';

export const llama: Architecture = {
  basePrefix: 'model.',
  build(r, w, ops) {
    const heads = r.int('num_attention_heads');
    const hidden = r.int('hidden_size');
    const c = {
      vocabSize: r.int('vocab_size'), hidden, layers: r.int('num_hidden_layers'), heads,
      kvHeads: r.int('num_key_value_heads', heads), headDim: r.int('head_dim', r.divisible('hidden_size / heads', hidden, heads)),
      intermediate: r.int('intermediate_size'), rmsNormEps: r.num('rms_norm_eps', 1e-6), ropeTheta: r.num('rope_theta', 10000),
      ropeScaling: ropeScalingOf(r.raw('rope_scaling'), 'config.json'), maxPositions: r.int('max_position_embeddings', 2048),
      tieWordEmbeddings: r.bool('tie_word_embeddings', false), attentionBias: r.bool('attention_bias', false),
      mlpBias: r.bool('mlp_bias', false), hiddenAct: activationOf(r.str('hidden_act', 'silu')),
    };
    const invFreq = ropeFrequencies(c.ropeTheta, c.headDim, c.maxPositions, c.ropeScaling);
    const embed = embedding(ops, w, 'model.embed_tokens.weight', c.vocabSize, hidden);
    const blocks = Array.from({ length: c.layers }, (_, i) => {
      const p = `model.layers.${i}`;
      return preNorm([
        { name: 'attn_out', norm: rmsNorm(ops, w, `${p}.input_layernorm`, hidden, c.rmsNormEps),
          f: attention(ops, w, `${p}.self_attn`, { hidden, heads, kvHeads: c.kvHeads, headDim: c.headDim, bias: c.attentionBias,
            names: { q: 'q_proj', k: 'k_proj', v: 'v_proj', o: 'o_proj' }, rope: { invFreq, style: 'half' } }) },
        { name: 'ffn_out', norm: rmsNorm(ops, w, `${p}.post_attention_layernorm`, hidden, c.rmsNormEps),
          f: gatedMlp(ops, w, `${p}.mlp`, { hidden, inner: c.intermediate, act: c.hiddenAct, gate: 'gate_proj', up: 'up_proj', down: 'down_proj', bias: c.mlpBias }) },
      ]);
    });
    const headWeight = c.tieWordEmbeddings ? w.tied('lm_head.weight', 'model.embed_tokens.weight', [c.vocabSize, hidden]) : w.get('lm_head.weight', [c.vocabSize, hidden]);
    const net = decoderOnly({
      vocabSize: c.vocabSize, embed: (ids) => embed(ids), blocks,
      finalNorm: rmsNorm(ops, w, 'model.norm', hidden, c.rmsNormEps),
      head: (x) => ops.linear(x, headWeight),
    });
    return { config: c, net };
  },
};
