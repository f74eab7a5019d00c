// AlbertModel / AlbertForMaskedLM (transformers models/albert/modeling_albert.py; Lan et al.
// 2020): BERT with factorised embeddings (embedding_size, projected to hidden_size by
// embedding_hidden_mapping_in) and layer groups whose parameters every layer of the group shares.
import { attention } from '../layers/attention.js';
import { postNorm } from '../layers/block.js';
import type { Block } from '../layers/context.js';
import { embedding } from '../layers/embedding.js';
import { mlmHead, pooler } from '../layers/heads.js';
import { linear } from '../layers/linear.js';
import { mlp } from '../layers/mlp.js';
import { layerNorm } from '../layers/norm.js';
import { activationOf } from '../layers/ops.js';
import { arangePositions } from '../layers/positions.js';
import { encoderOnly } from '../net.js';
import type { Architecture } from './types.js';

function albert(head: 'base' | 'mlm'): Architecture {
  return {
    basePrefix: 'albert.',
    build(r, w, ops) {
      const hidden = r.int('hidden_size');
      const heads = r.int('num_attention_heads');
      const c = {
        vocabSize: r.int('vocab_size'), embeddingSize: r.int('embedding_size', 128), hidden, heads, layers: r.int('num_hidden_layers'),
        groups: r.int('num_hidden_groups', 1), innerGroupNum: r.int('inner_group_num', 1), intermediate: r.int('intermediate_size'),
        maxPositions: r.int('max_position_embeddings'), typeVocabSize: r.int('type_vocab_size', 2), eps: r.num('layer_norm_eps', 1e-12),
        act: activationOf(r.str('hidden_act', 'gelu_new')),
      };
      const E = c.embeddingSize;
      const headDim = r.divisible('hidden_size / num_attention_heads', hidden, heads);
      const perGroup = r.divisible('num_hidden_layers / num_hidden_groups', c.layers, c.groups);
      const word = embedding(ops, w, 'albert.embeddings.word_embeddings.weight', c.vocabSize, E);
      const pos = embedding(ops, w, 'albert.embeddings.position_embeddings.weight', c.maxPositions, E);
      const type = embedding(ops, w, 'albert.embeddings.token_type_embeddings.weight', c.typeVocabSize, E);
      const embNorm = layerNorm(ops, w, 'albert.embeddings.LayerNorm', E, c.eps);
      const mapIn = linear(ops, w, 'albert.encoder.embedding_hidden_mapping_in', E, hidden, { bias: true });
      const groups: Block[] = Array.from({ length: c.groups }, (_, g) => {
        const inner = Array.from({ length: c.innerGroupNum }, (_, j) => {
          const l = `albert.encoder.albert_layer_groups.${g}.albert_layers.${j}`;
          return postNorm([
            { name: 'attn_out', norm: layerNorm(ops, w, `${l}.attention.LayerNorm`, hidden, c.eps),
              f: attention(ops, w, `${l}.attention`, { hidden, heads, headDim, bias: true, names: { q: 'query', k: 'key', v: 'value', o: 'dense' } }) },
            { name: 'ffn_out', norm: layerNorm(ops, w, `${l}.full_layer_layer_norm`, hidden, c.eps),
              f: mlp(ops, w, l, { hidden, inner: c.intermediate, act: c.act, up: 'ffn', down: 'ffn_output', bias: true }) },
          ]);
        });
        return (x, ctx, il) => inner.reduce((h, block) => block(h, ctx, il), x);
      });
      const blocks: Block[] = Array.from({ length: c.layers }, (_, i) => groups[Math.floor(i / perGroup)]);
      const mlm = head === 'mlm'
        ? mlmHead(ops, w, { hidden, embed: E, vocab: c.vocabSize, act: c.act, eps: c.eps, dense: 'predictions.dense', norm: 'predictions.LayerNorm',
            decoder: 'predictions.decoder', bias: 'predictions.bias', tiedTable: 'albert.embeddings.word_embeddings.weight' })
        : undefined;
      const pool = head === 'base' ? pooler(ops, w, 'albert.pooler', hidden) : undefined;
      const net = encoderOnly({
        vocabSize: c.vocabSize,
        positions: (ids) => arangePositions(ids.dims[0], ids.dims[1]),
        embed: (ids, types, p) => mapIn(embNorm(ops.add(ops.add(word(ids), type(types)), pos(p)))),
        blocks,
        heads: (x) => (mlm ? { logits: mlm(x) } : { pooledOutput: pool!(x) }),
      });
      return { config: c, net };
    },
  };
}

export const albertModel = albert('base');
export const albertForMaskedLM = albert('mlm');
