// MambaForCausalLM (transformers models/mamba/modeling_mamba.py; Gu & Dao 2023; candle
// mamba.rs). Glossary: inner = expand · hidden; dState = SSM state size N; dtRank = rank of the
// delta projection; each block is x + mixer(RMSNorm(x)); the head is tied to the embeddings.
import { preNorm } from '../layers/block.js';
import { embedding } from '../layers/embedding.js';
import { mambaMixer } from '../layers/mamba.js';
import { rmsNorm } from '../layers/norm.js';
import { decoderOnly } from '../net.js';
import type { Architecture } from './types.js';

export const mamba: Architecture = {
  basePrefix: 'backbone.',
  build(r, w, ops) {
    const hidden = r.int('hidden_size');
    const rank = r.raw('time_step_rank');
    const c = {
      vocabSize: r.int('vocab_size'), hidden, layers: r.int('num_hidden_layers'), dState: r.int('state_size', 16),
      inner: r.int('intermediate_size', r.int('expand', 2) * hidden), convWidth: r.int('conv_kernel', 4),
      dtRank: rank === 'auto' || rank === undefined ? Math.ceil(hidden / 16) : r.int('time_step_rank'),
      eps: r.num('layer_norm_epsilon', 1e-5), useBias: r.bool('use_bias', false), useConvBias: r.bool('use_conv_bias', true),
      tieWordEmbeddings: r.bool('tie_word_embeddings', true),
    };
    const embed = embedding(ops, w, 'backbone.embeddings.weight', c.vocabSize, hidden);
    const blocks = Array.from({ length: c.layers }, (_, i) =>
      preNorm([{ name: 'mixer_out', norm: rmsNorm(ops, w, `backbone.layers.${i}.norm`, hidden, c.eps),
        f: mambaMixer(ops, w, `backbone.layers.${i}.mixer`, { hidden, inner: c.inner, dState: c.dState, dtRank: c.dtRank,
          convWidth: c.convWidth, convBias: c.useConvBias, projBias: c.useBias }) }]),
    );
    const head = c.tieWordEmbeddings ? w.tied('lm_head.weight', 'backbone.embeddings.weight', [c.vocabSize, hidden]) : w.get('lm_head.weight', [c.vocabSize, hidden]);
    const net = decoderOnly({
      vocabSize: c.vocabSize, embed: (ids) => embed(ids), blocks,
      finalNorm: rmsNorm(ops, w, 'backbone.norm_f', hidden, c.eps),
      head: (x) => ops.linear(x, head), hiddenStates: 'no-embeddings', ignoresMask: true,
    });
    return { config: c, net };
  },
};
