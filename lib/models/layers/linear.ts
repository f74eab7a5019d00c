// nn.Linear (weight [out, in], optional bias) and GPT-2's Conv1D (stored [in, out], transposed at
// load so every projection runs the same kernel).
import { asF32, type Weights } from '../weights.js';
import type { Map1 } from './context.js';
import type { Ops } from './ops.js';

export interface LinearOpts {
  /** true: `${name}.bias` must exist; 'optional': used when stored; false: none. */
  bias?: boolean | 'optional';
  /** GPT-2 Conv1D layout [in, out]. */
  conv1d?: boolean;
}

export function linear(ops: Ops, w: Weights, name: string, inF: number, outF: number, opts: LinearOpts = {}): Map1 {
  const weight = opts.conv1d ? w.transposed(`${name}.weight`, [inF, outF]) : w.get(`${name}.weight`, [outF, inF]);
  const bias = asF32(
    opts.bias === true ? w.get(`${name}.bias`, [outF]) : opts.bias === 'optional' ? w.opt(`${name}.bias`, [outF]) : undefined);
  return (x) => ops.linear(x, weight, bias);
}
