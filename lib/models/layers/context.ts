// What one forward pass through a stack of blocks carries besides the activations.
import type { Tensor } from '../../tensor.js';
import type { KvDType, LayerState } from '../../generation/kv-cache.js';
import type { F32, Ops } from './ops.js';

export interface Ctx {
  ops: Ops;
  /** [batch, seq] absolute positions of the tokens being run (rope, learned positions). */
  positions: Tensor<Int32Array>;
  /** Self-attention keys to keep [batch, past + seq]; absent = all. */
  selfMask?: Uint8Array;
  causal: boolean;
  /** Additive self-attention bias [heads, seq, past + seq] (T5 relative positions). */
  selfBias?: Float32Array;
  /** Per-layer carried state (KV cache, conv/SSM state); absent = stateless full pass. */
  state?: LayerState[];
  /** Self K/V caches created in this pass are sized for this many tokens (the serving budget). */
  cacheCapacity?: number;
  /** Storage of the self K/V caches created in this pass: 'f32' (default) or 'f16'. */
  kvCache?: KvDType;
  /**
   * Ragged step: row r of the batch is its own sequence, with its own state, mask, bias and
   * encoder output (which then replace state, selfMask, selfBias and memory). Token-wise layers run
   * over all rows at once; attention and the Mamba mixer read each row's own slot.
   */
  rows?: RowCtx[];
  /** Encoder output for cross-attention. */
  memory?: { hidden: F32; mask?: Uint8Array };
  /** Throws AbortError when the caller aborted; checked between layers. */
  checkAbort(): void;
  /** Debug hook on named intermediate activations (llama.cpp's cb(cur, name, il)). */
  trace?: (name: string, layer: number, t: F32) => void;
}

/** What one row of a ragged step carries: the per-sequence fields of Ctx. */
export type RowCtx = Pick<Ctx, 'state' | 'selfMask' | 'selfBias' | 'memory'>;

/** One residual block (or a shared group of them); il is the layer index, for its cache slot. */
export type Block = (x: F32, ctx: Ctx, il: number) => F32;
/** A token-wise map: a norm, a projection. */
export type Map1 = (x: F32) => F32;
/**
 * A residual sublayer's body: f(x), or, given `residual` (dims of f's output), residual + f(x)
 * with the add done in f's last projection (one pass over the output instead of an add call).
 */
export type SublayerFn = (x: F32, ctx: Ctx, il: number, residual?: F32) => F32;

/** Runs the blocks in order, checking for abort between them; collects each output when asked. */
export function runBlocks(x: F32, blocks: Block[], ctx: Ctx, collect?: F32[]): F32 {
  for (let il = 0; il < blocks.length; il++) {
    ctx.checkAbort();
    x = blocks[il](x, ctx, il);
    ctx.trace?.('block_out', il, x);
    collect?.push(x);
  }
  return x;
}
