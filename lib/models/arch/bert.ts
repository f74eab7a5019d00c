// BertModel / BertForMaskedLM / BertForSequenceClassification (transformers
// models/bert/modeling_bert.py; Devlin et al. 2019). Glossary: post-LayerNorm encoder; absolute
// learned positions plus token-type embeddings; pooler = tanh(dense(h[CLS])); the MLM decoder is
// tied to the word embeddings. RoBERTa reuses this file with its own positions and heads.
import { Tensor } from '../../tensor.js';
import { labelsOf } from '../config.js';
import { attention } from '../layers/attention.js';
import { postNorm } from '../layers/block.js';
import { embedding } from '../layers/embedding.js';
import { mlmHead, pooler } from '../layers/heads.js';
import { linear } from '../layers/linear.js';
import { mlp } from '../layers/mlp.js';
import { layerNorm } from '../layers/norm.js';
import { type Activation, activationOf, type F32 } from '../layers/ops.js';
import { arangePositions } from '../layers/positions.js';
import { encoderOnly, type Outputs } from '../net.js';
import type { Architecture } from './types.js';

export type EncoderHead = 'base' | 'mlm' | 'cls';

/** BERT-shaped encoders: the base name ('bert', 'roberta'), positions, and the head per class. */
export function bertFamily(
  base: string,
  head: EncoderHead,
  family: { positions?: (pad: number) => (ids: Tensor<Int32Array>) => Tensor<Int32Array>; mlm: (hidden: number) => Record<string, string | Activation>; cls: 'pooler' | 'roberta' },
): Architecture {
  return {
    basePrefix: `${base}.`,
    build(r, w, ops, raw) {
      const hidden = r.int('hidden_size');
      const heads = r.int('num_attention_heads');
      const c = {
        vocabSize: r.int('vocab_size'), hidden, heads, layers: r.int('num_hidden_layers'), intermediate: r.int('intermediate_size'),
        maxPositions: r.int('max_position_embeddings'), typeVocabSize: r.int('type_vocab_size', 2), eps: r.num('layer_norm_eps', 1e-12),
        act: activationOf(r.str('hidden_act', 'gelu')), padTokenId: r.optInt('pad_token_id') ?? 0,
        positionEmbeddingType: r.str('position_embedding_type', 'absolute'),
        numLabels: head === 'cls' ? r.int('num_labels', Object.keys((raw.id2label as object) ?? { 0: 0, 1: 1 }).length) : 0,
        labels: [] as string[],
      };
      c.labels = head === 'cls' ? labelsOf(raw, c.numLabels) : [];
      if (c.positionEmbeddingType !== 'absolute') throw new RangeError(`position_embedding_type '${c.positionEmbeddingType}' is not supported`);
      const headDim = r.divisible('hidden_size / num_attention_heads', hidden, heads);
      const p = `${base}.embeddings`;
      const word = embedding(ops, w, `${p}.word_embeddings.weight`, c.vocabSize, hidden);
      const pos = embedding(ops, w, `${p}.position_embeddings.weight`, c.maxPositions, hidden);
      const type = embedding(ops, w, `${p}.token_type_embeddings.weight`, c.typeVocabSize, hidden);
      const embNorm = layerNorm(ops, w, `${p}.LayerNorm`, hidden, c.eps);
      const blocks = Array.from({ length: c.layers }, (_, i) => {
        const l = `${base}.encoder.layer.${i}`;
        return postNorm([
          { name: 'attn_out', norm: layerNorm(ops, w, `${l}.attention.output.LayerNorm`, hidden, c.eps),
            f: attention(ops, w, `${l}.attention`, { hidden, heads, headDim, bias: true,
              names: { q: 'self.query', k: 'self.key', v: 'self.value', o: 'output.dense' } }) },
          { name: 'ffn_out', norm: layerNorm(ops, w, `${l}.output.LayerNorm`, hidden, c.eps),
            f: mlp(ops, w, l, { hidden, inner: c.intermediate, act: c.act, up: 'intermediate.dense', down: 'output.dense', bias: true }) },
        ]);
      });
      let heads_: (x: F32) => Pick<Outputs, 'logits' | 'pooledOutput'>;
      if (head === 'mlm') {
        const m = family.mlm(hidden);
        const mlm = mlmHead(ops, w, { hidden, embed: hidden, vocab: c.vocabSize, act: (m.act as Activation) ?? c.act, eps: c.eps,
          dense: m.dense, norm: m.norm, decoder: m.decoder, bias: m.bias, tiedTable: `${p}.word_embeddings.weight` });
        heads_ = (x) => ({ logits: mlm(x) });
      } else if (head === 'cls' && family.cls === 'roberta') {
        const dense = pooler(ops, w, 'classifier.dense', hidden);
        const out = linear(ops, w, 'classifier.out_proj', hidden, c.numLabels, { bias: true });
        heads_ = (x) => ({ logits: out(dense(x)) });
      } else {
        const pool = pooler(ops, w, `${base}.pooler.dense`, hidden);
        const classifier = head === 'cls' ? linear(ops, w, 'classifier', hidden, c.numLabels, { bias: true }) : undefined;
        heads_ = (x) => {
          const pooled = pool(x);
          return classifier ? { pooledOutput: pooled, logits: classifier(pooled) } : { pooledOutput: pooled };
        };
      }
      const positions = family.positions?.(c.padTokenId);
      const net = encoderOnly({
        vocabSize: c.vocabSize,
        positions: (ids) => positions?.(ids) ?? arangePositions(ids.dims[0], ids.dims[1]),
        embed: (ids, types, posIds) => embNorm(ops.add(ops.add(word(ids), type(types)), pos(posIds))),
        blocks,
        heads: heads_,
      });
      return { config: c, net };
    },
  };
}

const bertMlm = () => ({ dense: 'cls.predictions.transform.dense', norm: 'cls.predictions.transform.LayerNorm', decoder: 'cls.predictions.decoder', bias: 'cls.predictions.bias' });

export const bertModel = bertFamily('bert', 'base', { mlm: bertMlm, cls: 'pooler' });
export const bertForMaskedLM = bertFamily('bert', 'mlm', { mlm: bertMlm, cls: 'pooler' });
export const bertForSequenceClassification = bertFamily('bert', 'cls', { mlm: bertMlm, cls: 'pooler' });
