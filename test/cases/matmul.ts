// Named linear cases shared by the parity tests and the benchmarks. Rows cover decode (1..4, the
// GEMV path) and prefill (the blocked GEMM path); in/out cover lengths around the vector widths.
import { f32ToBf16, f32ToF16 } from '../../lib/kernels/half.js';
import type { WeightDType } from '../../lib/kernels/matmul.js';
import type { LinearWeight } from '../../lib/ops/linear.js';
import { Tensor } from '../../lib/tensor.js';
import { Rng } from '../helpers/rng.js';

export interface LinearCase {
  name: string;
  /** Leading dims of x; their product is the row count. */
  lead: number[];
  inF: number;
  outF: number;
  dtype: WeightDType;
  bias: boolean;
  make(): { x: Tensor; weight: LinearWeight; bias?: Tensor };
}

export const linearDTypes: readonly WeightDType[] = ['f32', 'f16', 'bf16'];
const rowsList = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 64, 130];
const dimList = [1, 7, 15, 16, 17, 33, 100, 257];

export function makeWeight(rng: Rng, outF: number, inF: number, dtype: WeightDType, scale: number): LinearWeight {
  const w = rng.f32(outF * inF, scale);
  if (dtype === 'f32') return { data: w, dims: [outF, inF] };
  const bits = new Uint16Array(w.length);
  const enc = dtype === 'f16' ? f32ToF16 : f32ToBf16;
  for (let i = 0; i < w.length; i++) bits[i] = enc(w[i]);
  return { data: bits, dims: [outF, inF], dtype };
}

function linearCase(lead: number[], inF: number, outF: number, dtype: WeightDType, bias: boolean): LinearCase {
  const name = `x${lead.join('x')}_in${inF}_out${outF}_${dtype}${bias ? '_bias' : ''}`;
  return {
    name,
    lead,
    inF,
    outF,
    dtype,
    bias,
    make: () => {
      const rows = lead.reduce((p, d) => p * d, 1);
      const rng = new Rng(rows * 1_000_003 + inF * 7919 + outF * 31 + (bias ? 1 : 0));
      const x = new Tensor(rng.f32(rows * inF), [...lead, inF]);
      const weight = makeWeight(rng, outF, inF, dtype, 1 / Math.sqrt(Math.max(inF, 1)));
      return { x, weight, ...(bias ? { bias: new Tensor(rng.f32(outF), [outF]) } : {}) };
    },
  };
}

function build(): LinearCase[] {
  const cases: LinearCase[] = [];
  for (const dtype of linearDTypes) {
    rowsList.forEach((rows, i) => {
      dimList.forEach((inF, j) => {
        const outF = dimList[(i + j * 3) % dimList.length];
        cases.push(linearCase([rows], inF, outF, dtype, (i + j) % 2 === 0));
      });
    });
    // Several cache blocks along every axis, and 3-D activations as models pass them.
    cases.push(linearCase([130], 700, 530, dtype, true));
    cases.push(linearCase([1], 1030, 600, dtype, false));
    cases.push(linearCase([2, 3, 4], 33, 17, dtype, true));
    cases.push(linearCase([2, 1], 64, 48, dtype, false));
    cases.push(linearCase([1, 1, 1], 100, 7, dtype, true));
  }
  return cases;
}

export const linearCases: LinearCase[] = build();
