// Residual composition. Pre-norm (GPT-2, LLaMA, T5, Mamba): x = x + f(norm(x)) for each sublayer.
// Post-norm (BERT, BART): x = norm(x + f(x)). A sublayer's f may use the context (attention).
import type { Block, Map1, SublayerFn } from './context.js';
import type { F32 } from './ops.js';

export interface Sublayer {
  name: string;
  norm: Map1;
  f: SublayerFn;
}

export function preNorm(subs: Sublayer[]): Block {
  return (x, ctx, il) => {
    for (const s of subs) {
      // The skip connection is added in f's last projection, unless a trace wants f's own output.
      if (!ctx.trace) {
        x = s.f(s.norm(x), ctx, il, x);
        continue;
      }
      const h = s.f(s.norm(x), ctx, il);
      ctx.trace(s.name, il, h);
      x = ctx.ops.add(x, h);
    }
    return x;
  };
}

export function postNorm(subs: Sublayer[]): Block {
  return (x, ctx, il) => {
    for (const s of subs) {
      const h = s.f(x, ctx, il);
      ctx.trace?.(s.name, il, h);
      x = s.norm(ctx.ops.add(x, h));
    }
    return x;
  };
}

/** A token-wise map used as a sublayer body. */
export const tokenwise =
  (m: Map1) =>
  (x: F32): F32 =>
    m(x);
