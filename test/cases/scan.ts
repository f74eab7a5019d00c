// Named selective-scan cases shared by the parity tests and the benchmarks. Inputs respect the
// math as in a Mamba block: A = -exp(A_log) with A_log = log(1..dState) (S4D-real init), delta
// around softplus' knee, z and u of unit scale.
import { Rng } from '../helpers/rng.js';
import type { SelectiveScanArgs } from '../../lib/index.js';
import { Tensor } from '../../lib/index.js';

export interface ScanCase {
  name: string;
  batch: number;
  seqLen: number;
  dim: number;
  dState: number;
  groups: number;
  D: boolean;
  z: boolean;
  deltaBias: boolean;
  softplus: boolean;
  state: boolean;
  make(): SelectiveScanArgs;
}

type Params = Omit<ScanCase, 'name' | 'make'>;

function caseName(p: Params): string {
  const flags = [p.D && 'D', p.z && 'z', p.deltaBias && 'bias', p.softplus && 'sp', p.state && 'state'].filter(Boolean);
  return `b${p.batch}-L${p.seqLen}-d${p.dim}-n${p.dState}-g${p.groups}${flags.length ? `-${flags.join('-')}` : ''}`;
}

export function makeScanArgs(p: Params, seed: number): SelectiveScanArgs {
  const rng = new Rng(seed);
  const { batch, seqLen, dim, dState, groups } = p;
  const t = (data: Float32Array, dims: number[]) => new Tensor(data, dims);
  const A = new Float32Array(dim * dState);
  for (let d = 0; d < dim; d++) for (let n = 0; n < dState; n++) A[d * dState + n] = -Math.exp(Math.log(n + 1) + 0.1 * rng.normal());
  // Without softplus, delta must already be a positive step (Mamba never feeds a negative one).
  const delta = p.softplus ? rng.f32(batch * seqLen * dim, 1.5) : rng.uniform(batch * seqLen * dim, 0.001, 0.5);
  if (p.softplus) for (let i = 0; i < delta.length; i += 97) delta[i] = 25 + (i % 5); // the linear branch above 20
  return {
    u: t(rng.f32(batch * seqLen * dim), [batch, seqLen, dim]),
    delta: t(delta, [batch, seqLen, dim]),
    A: t(A, [dim, dState]),
    B: t(rng.f32(batch * seqLen * groups * dState), [batch, seqLen, groups, dState]),
    C: t(rng.f32(batch * seqLen * groups * dState), [batch, seqLen, groups, dState]),
    D: p.D ? t(rng.f32(dim), [dim]) : undefined,
    z: p.z ? t(rng.f32(batch * seqLen * dim, 2), [batch, seqLen, dim]) : undefined,
    deltaBias: p.deltaBias ? t(rng.uniform(dim, -4, -1), [dim]) : undefined,
    deltaSoftplus: p.softplus,
    state: p.state ? t(rng.f32(batch * dim * dState, 0.5), [batch, dim, dState]) : undefined,
  };
}

const all = { D: true, z: true, deltaBias: true, softplus: true, state: false };
const none = { D: false, z: false, deltaBias: false, softplus: false, state: false };

const params: Params[] = [
  { batch: 1, seqLen: 1, dim: 16, dState: 16, groups: 1, ...all },
  { batch: 2, seqLen: 1, dim: 37, dState: 16, groups: 1, ...all, state: true },
  { batch: 1, seqLen: 7, dim: 12, dState: 8, groups: 1, ...none },
  { batch: 2, seqLen: 5, dim: 9, dState: 16, groups: 3, ...none, D: true },
  { batch: 1, seqLen: 13, dim: 24, dState: 16, groups: 4, ...none, z: true },
  { batch: 2, seqLen: 9, dim: 17, dState: 16, groups: 1, ...none, deltaBias: true, softplus: true },
  { batch: 1, seqLen: 6, dim: 33, dState: 4, groups: 1, ...none, softplus: true, state: true },
  { batch: 1, seqLen: 3, dim: 5, dState: 1, groups: 5, ...all },
  { batch: 2, seqLen: 17, dim: 40, dState: 16, groups: 2, ...all, state: true },
  { batch: 1, seqLen: 31, dim: 67, dState: 16, groups: 1, ...all },
  { batch: 1, seqLen: 20, dim: 48, dState: 7, groups: 3, ...all, state: true },
  { batch: 1, seqLen: 8, dim: 32, dState: 32, groups: 1, ...all },
  { batch: 1, seqLen: 64, dim: 160, dState: 16, groups: 1, ...all },
];

export const scanCases: ScanCase[] = params.map((p, i) => ({
  ...p,
  name: caseName(p),
  make: () => makeScanArgs(p, 1000 + i * 31),
}));
