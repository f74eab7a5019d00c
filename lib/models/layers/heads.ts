// Output heads shared by the encoder families: BERT's pooler (tanh(dense(h[:, 0]))), the MLM
// transform (dense → act → LayerNorm → tied decoder + bias) and classification on the first token.
import { Tensor } from '../../tensor.js';
import { asF32, type W, type Weights } from '../weights.js';
import type { Map1 } from './context.js';
import { linear } from './linear.js';
import { layerNorm } from './norm.js';
import type { Activation, F32, Ops } from './ops.js';

/** Row 0 of every sequence: [batch, seq, hidden] → [batch, hidden]. */
export function firstToken(x: F32): F32 {
  const [batch, seq, hidden] = x.dims;
  const out = new Float32Array(batch * hidden);
  for (let b = 0; b < batch; b++) out.set(x.data.subarray(b * seq * hidden, (b * seq + 1) * hidden), b * hidden);
  return new Tensor(out, [batch, hidden]);
}

/** tanh elementwise: glue on a [batch, hidden] pooled vector. */
export function tanh(x: F32): F32 {
  return new Tensor(x.data.map(Math.tanh), x.dims);
}

/** tanh(dense(x[:, 0])): BERT's pooler, RoBERTa's classification head body. */
export function pooler(ops: Ops, w: Weights, name: string, hidden: number): Map1 {
  const dense = linear(ops, w, name, hidden, hidden, { bias: true });
  return (x) => tanh(dense(firstToken(x)));
}

export interface MlmHeadOpts {
  hidden: number;
  /** Width of the vocabulary projection (ALBERT: embedding_size). */
  embed: number;
  vocab: number;
  act: Activation;
  eps: number;
  dense: string;
  norm: string;
  decoder: string;
  /** The tied table read when `${decoder}.weight` is not stored. */
  tiedTable: string;
  /** The stored bias tied to `${decoder}.bias`. */
  bias: string;
}

export function mlmHead(ops: Ops, w: Weights, o: MlmHeadOpts): Map1 {
  const dense = linear(ops, w, o.dense, o.hidden, o.embed, { bias: true });
  const norm = layerNorm(ops, w, o.norm, o.embed, o.eps);
  const table: W = w.tied(`${o.decoder}.weight`, o.tiedTable, [o.vocab, o.embed]);
  const bias: W = asF32(w.tied(`${o.decoder}.bias`, o.bias, [o.vocab]));
  return (x) => ops.linear(norm(ops.act(o.act, dense(x))), table, bias);
}
