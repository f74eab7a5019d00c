// The kernels a model calls, bound to the model's backend. Layer code calls these synchronously
// inside the model's worker thread. While a kernel family has no native implementation yet the
// call runs its TS twin instead (recorded in `fallbacks`, reported by the model), so a model on
// the native backend always runs.
import { kernels, type KvTensor, type RaggedAttentionRow } from '../../ops/index.js';
import type { BackendName } from '../../backend/select.js';
import { Tensor, type TensorLike } from '../../tensor.js';
import type { W } from '../weights.js';

export type F32 = Tensor<Float32Array>;
type AnyKernel = (args: never, opts: { backend: BackendName }) => unknown;

export interface Ops {
  readonly backend: BackendName;
  readonly fallbacks: Set<string>;
  /** x · weightᵀ + bias (+ residual, the result's dims, when given). */
  linear(x: TensorLike<Float32Array>, weight: W, bias?: W, residual?: F32): F32;
  /** Several projections of one x in one call (q/k/v). */
  linearGroup(x: TensorLike<Float32Array>, weights: W[], biases: (W | undefined)[]): F32[];
  /** act(x · gateᵀ + gateBias) * (x · upᵀ + upBias) in one call (SwiGLU, gated GELU). */
  gatedLinear(
    x: TensorLike<Float32Array>, gate: W, up: W, gateBias: W | undefined, upBias: W | undefined, act: 'silu' | 'gelu' | 'gelu_tanh',
    out?: F32,
  ): F32;
  embedding(table: W, ids: TensorLike<Int32Array>): F32;
  rmsNorm(x: TensorLike<Float32Array>, weight: W | undefined, eps: number): F32;
  layerNorm(x: TensorLike<Float32Array>, weight: W | undefined, bias: W | undefined, eps: number): F32;
  rope(x: F32, positions: TensorLike<Int32Array>, invFreq: Float32Array, style: 'half' | 'interleaved'): F32;
  /** rope on q and k at the same positions, in one call. */
  ropeQk(q: F32, k: F32, positions: TensorLike<Int32Array>, invFreq: Float32Array, style: 'half' | 'interleaved'): { q: F32; k: F32 };
  attention(args: {
    q: F32; k: KvTensor; v: KvTensor;
    keyPaddingMask?: Uint8Array; bias?: Float32Array; scale?: number; causal?: boolean;
  }): F32;
  /** One decode query per row [rows, 1, heads, headDim], each row over its own keys (a ragged step). */
  raggedAttention(args: { q: F32; rows: RaggedAttentionRow[]; scale?: number }): F32;
  /** Writes k, v [batch, seq, kvHeads, headDim] into K/V caches [batch, capacity, kvHeads, headDim] from token row `at`. */
  kvAppend(k: F32, v: F32, kCache: KvTensor, vCache: KvTensor, at: number): void;
  add(a: TensorLike<Float32Array>, b: TensorLike<Float32Array>): F32;
  mul(a: TensorLike<Float32Array>, b: TensorLike<Float32Array>): F32;
  siluMul(gate: F32, up: F32): F32;
  geluMul(gate: F32, up: F32, approximate: 'none' | 'tanh'): F32;
  act(kind: Activation, x: F32): F32;
  causalConv1d(args: { x: F32; weight: TensorLike<Float32Array>; bias?: TensorLike<Float32Array>; state?: TensorLike<Float32Array>; activation: 'silu' | 'none' }): { y: F32; state: F32 };
  selectiveScan(args: Record<string, unknown>): { y: F32; lastState: F32 };
}

export type Activation = 'gelu' | 'gelu_tanh' | 'relu' | 'silu';

/** The ACT2FN names activationOf accepts. */
export const supportedActivations = ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'gelu_fast', 'relu', 'silu', 'swish'];

/** HF's activation names (ACT2FN) to ours. */
export function activationOf(hfName: unknown): Activation {
  switch (hfName) {
    case 'gelu':
      return 'gelu';
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast':
      return 'gelu_tanh';
    case 'relu':
      return 'relu';
    case 'silu':
    case 'swish':
      return 'silu';
    default:
      throw new RangeError(`unsupported activation ${JSON.stringify(hfName)}`);
  }
}

function isMissingNative(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith('internal: the native addon has no kernel');
}

export function bindOps(backend: BackendName): Ops {
  const fallbacks = new Set<string>();
  function call<R>(name: string, fn: AnyKernel, args: unknown): R {
    const k = fn as unknown as (a: unknown, o: { backend: BackendName }) => R;
    if (backend === 'ts' || fallbacks.has(name)) return k(args, { backend: 'ts' });
    try {
      return k(args, { backend });
    } catch (e) {
      if (!isMissingNative(e)) throw e;
      fallbacks.add(name);
      return k(args, { backend: 'ts' });
    }
  }
  return {
    backend,
    fallbacks,
    linear: (x, weight, bias, residual) => call('linear', kernels.linear, { x, weight, bias, residual }),
    linearGroup: (x, weights, biases) => call('linearGroup', kernels.linearGroup, { x, weights, biases }),
    gatedLinear: (x, gate, up, gateBias, upBias, activation, out) =>
      call('gatedLinear', kernels.gatedLinear, { x, gate, up, gateBias, upBias, activation, out }),
    embedding: (table, ids) => call('embedding', kernels.embedding, { table, ids }),
    rmsNorm: (x, weight, eps) => call('rmsNorm', kernels.rmsNorm, { x, weight, eps }),
    layerNorm: (x, weight, bias, eps) => call('layerNorm', kernels.layerNorm, { x, weight, bias, eps }),
    rope: (x, positions, invFreq, style) => call('rope', kernels.rope, { x, positions, invFreq, style }),
    ropeQk: (q, k, positions, invFreq, style) => call('ropeQk', kernels.ropeQk, { q, k, positions, invFreq, style }),
    attention: (args) => call('attention', kernels.attention, args),
    raggedAttention: (args) => call('raggedAttention', kernels.raggedAttention, args),
    kvAppend: (k, v, kCache, vCache, at) => {
      call('kvAppend', kernels.kvAppend, { k, v, kCache, vCache, at });
    },
    add: (a, b) => call('add', kernels.add, { a, b }),
    mul: (a, b) => call('mul', kernels.mul, { a, b }),
    siluMul: (gate, up) => call('siluMul', kernels.siluMul, { gate, up }),
    geluMul: (gate, up, approximate) => call('geluMul', kernels.geluMul, { gate, up, approximate }),
    act: (kind, x) =>
      kind === 'silu'
        ? call('silu', kernels.silu, { x })
        : kind === 'relu'
          ? call('relu', kernels.relu, { x })
          : call('gelu', kernels.gelu, { x, approximate: kind === 'gelu_tanh' ? 'tanh' : 'none' }),
    causalConv1d: (args) => call('causalConv1d', kernels.causalConv1d, args),
    selectiveScan: (args) => call('selectiveScan', kernels.selectiveScan, args),
  };
}

/** x * s elementwise (embedding scales, T5's tied-head rescale): glue, not a kernel. */
export function scaled(x: TensorLike<Float32Array>, s: number): F32 {
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = x.data[i] * s;
  return new Tensor(out, x.dims);
}

/** Columns [from, from + width) of the last axis of x [..., n] → [..., width]. */
export function sliceLast(x: TensorLike<Float32Array>, from: number, width: number): F32 {
  const n = x.dims[x.dims.length - 1];
  const rows = n === 0 ? 0 : x.data.length / n;
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) out.set(x.data.subarray(r * n + from, r * n + from + width), r * width);
  return new Tensor(out, [...x.dims.slice(0, -1), width]);
}

/** Batch row r of x [batch, ...] → [1, ...], a view (no copy). */
export function rowOf<T extends Float32Array | Int32Array>(x: TensorLike<T>, r: number): Tensor<T> {
  const n = x.dims[0] === 0 ? 0 : x.data.length / x.dims[0];
  return new Tensor(x.data.subarray(r * n, (r + 1) * n) as T, [1, ...x.dims.slice(1)]);
}

export function reshape(x: TensorLike<Float32Array>, dims: number[]): F32 {
  return new Tensor(x.data, dims);
}
