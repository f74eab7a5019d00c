// RoBERTa (transformers models/roberta/modeling_roberta.py; Liu et al. 2019): BERT with positions
// counted from padding_idx + 1 over the non-pad tokens, an lm_head (dense → exact GELU →
// layer_norm → tied decoder) and a classification head on <s> (dense → tanh → out_proj).
import { Tensor } from '../../tensor.js';
import { bertFamily } from './bert.js';

/** create_position_ids_from_input_ids: cumsum(ids != pad) * (ids != pad) + pad. */
const positions = (pad: number) => (ids: Tensor<Int32Array>) => {
  const [batch, seq] = ids.dims;
  const out = new Int32Array(ids.data.length);
  for (let b = 0; b < batch; b++) {
    let c = 0;
    for (let s = 0; s < seq; s++) {
      const real = ids.data[b * seq + s] !== pad;
      c += real ? 1 : 0;
      out[b * seq + s] = real ? c + pad : pad;
    }
  }
  return new Tensor(out, ids.dims);
};
const mlm = () => ({ dense: 'lm_head.dense', norm: 'lm_head.layer_norm', decoder: 'lm_head.decoder', bias: 'lm_head.bias', act: 'gelu' });
const family = { positions, mlm, cls: 'roberta' as const };

export const robertaModel = bertFamily('roberta', 'base', family);
export const robertaForMaskedLM = bertFamily('roberta', 'mlm', family);
export const robertaForSequenceClassification = bertFamily('roberta', 'cls', family);
