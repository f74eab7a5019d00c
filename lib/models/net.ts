// The three model shapes every architecture file plugs its layers into: encoder-only (BERT
// family), decoder-only (GPT-2, LLaMA, Mamba) and encoder-decoder (T5, BART). Each gives the full
// forward pass and the two generation calls (begin: prefill or encode once; next: one token on
// the carried state), so the runtime and the generation loop never look at the architecture.
import { type KvDType, newSequenceState, type SequenceState } from '../generation/kv-cache.js';
import { Tensor } from '../tensor.js';
import { type Block, type Ctx, type Map1, runBlocks } from './layers/context.js';
import type { F32, Ops } from './layers/ops.js';
import { arangePositions, positionsFromMask } from './layers/positions.js';
import { plannedStep } from './plan.js';

export interface Inputs {
  inputIds: Tensor<Int32Array>;
  attentionMask?: Uint8Array;
  tokenTypeIds?: Tensor<Int32Array>;
  positionIds?: Tensor<Int32Array>;
  decoderInputIds?: Tensor<Int32Array>;
  decoderAttentionMask?: Uint8Array;
  outputHiddenStates?: boolean;
}

export interface Outputs {
  logits?: F32;
  lastHiddenState?: F32;
  hiddenStates?: F32[];
  pooledOutput?: F32;
  encoderLastHiddenState?: F32;
  encoderHiddenStates?: F32[];
  decoderLastHiddenState?: F32;
}

/** What a pass needs from the runtime: the bound kernels, the abort check and the KV cache storage. */
export interface Run {
  ops: Ops;
  checkAbort(): void;
  /** Self K/V caches created in this run store f32 (when unset) or f16; loaded models pass theirs (defaultKvCache). */
  kvCache?: KvDType;
}

export interface Net {
  readonly kind: 'encoder' | 'decoder' | 'encoder-decoder';
  readonly vocabSize: number;
  forward(inp: Inputs, run: Run): Outputs;
  /**
   * Prefill (decoders) or encode (encoder-decoders) prompts [batch, P], left padded where mask
   * [batch, P] is 0; → the state and the next-token logits [batch · vocab].
   */
  begin?(prompt: Tensor<Int32Array>, mask: Uint8Array | undefined, run: Run, capacity?: number): { state: SequenceState; logits: Float32Array };
  /** Feeds one token per sequence [batch]; logits of the next [batch · vocab]. */
  next?(state: SequenceState, tokens: Int32Array, run: Run): Float32Array;
  /**
   * A ragged step over independent one-sequence states (each from its own begin, any lengths):
   * token r goes to states[r]; logits [states.length · vocab]. Projections, MLPs and norms run
   * over all rows at once; attention and Mamba read each row's own state.
   */
  step?(states: SequenceState[], tokens: Int32Array, run: Run): Float32Array;
  /** Decoders: feeds more prompt tokens [1, seq] to a one-sequence unpadded state (chunked prefill); logits of the next [vocab]. */
  extend?(state: SequenceState, ids: Tensor<Int32Array>, run: Run): Float32Array;
  /** The token an encoder-decoder's decoder starts from. */
  readonly decoderStartTokenId?: number;
}

function ctxOf(run: Run, positions: Tensor<Int32Array>, extra: Partial<Ctx> = {}): Ctx {
  return { ops: run.ops, positions, causal: false, checkAbort: run.checkAbort, kvCache: run.kvCache, ...extra };
}

/** The last position of x [batch, seq, hidden] → [batch, 1, hidden]. */
function lastRow(x: F32): F32 {
  const [batch, seq, hidden] = x.dims;
  const out = new Float32Array(batch * hidden);
  for (let b = 0; b < batch; b++) out.set(x.data.subarray((b * seq + seq - 1) * hidden, (b * seq + seq) * hidden), b * hidden);
  return new Tensor(out, [batch, 1, hidden]);
}

// ---- encoder-only -------------------------------------------------------------------------------

export interface EncoderOnlySpec {
  vocabSize: number;
  positions(ids: Tensor<Int32Array>, mask: Uint8Array | undefined): Tensor<Int32Array>;
  embed(ids: Tensor<Int32Array>, tokenTypes: Tensor<Int32Array>, positions: Tensor<Int32Array>): F32;
  blocks: Block[];
  heads(last: F32): Pick<Outputs, 'logits' | 'pooledOutput'>;
}

export function encoderOnly(s: EncoderOnlySpec): Net {
  return {
    kind: 'encoder',
    vocabSize: s.vocabSize,
    forward(inp, run) {
      const ids = inp.inputIds;
      const types = inp.tokenTypeIds ?? new Tensor(new Int32Array(ids.data.length), ids.dims);
      const positions = inp.positionIds ?? s.positions(ids, inp.attentionMask);
      const ctx = ctxOf(run, positions, { selfMask: inp.attentionMask });
      const hs: F32[] | undefined = inp.outputHiddenStates ? [] : undefined;
      let x = s.embed(ids, types, positions);
      hs?.push(x);
      x = runBlocks(x, s.blocks, ctx, hs);
      return { lastHiddenState: x, ...s.heads(x), ...(hs ? { hiddenStates: hs } : {}) };
    },
  };
}

// ---- decoder-only -------------------------------------------------------------------------------

export interface DecoderOnlySpec {
  vocabSize: number;
  embed(ids: Tensor<Int32Array>, positions: Tensor<Int32Array>): F32;
  blocks: Block[];
  finalNorm: Map1;
  head: Map1;
  /** 'hf': [embeddings, block 1..N-1, final norm]; 'no-embeddings' (HF 4.40 Mamba): [block 1..N, final norm]. */
  hiddenStates?: 'hf' | 'no-embeddings';
  /** The mixer ignores the attention mask (Mamba). */
  ignoresMask?: boolean;
}

export function decoderOnly(s: DecoderOnlySpec): Net {
  function pass(ids: Tensor<Int32Array>, ctx: Ctx, hs?: F32[]): F32 {
    let x = s.embed(ids, ctx.positions);
    const collected: F32[] | undefined = hs ? [] : undefined;
    if (hs && s.hiddenStates !== 'no-embeddings') hs.push(x);
    x = runBlocks(x, s.blocks, ctx, collected);
    x = s.finalNorm(x);
    if (hs && collected) {
      hs.push(...(s.hiddenStates === 'no-embeddings' ? collected : collected.slice(0, -1)), x);
    }
    return x;
  }
  return {
    kind: 'decoder',
    vocabSize: s.vocabSize,
    forward(inp, run) {
      const ids = inp.inputIds;
      const [batch, seq] = ids.dims;
      const mask = s.ignoresMask ? undefined : inp.attentionMask;
      const positions = inp.positionIds ?? (mask ? positionsFromMask(mask, batch, seq) : arangePositions(batch, seq));
      const hs: F32[] | undefined = inp.outputHiddenStates ? [] : undefined;
      const x = pass(ids, ctxOf(run, positions, { selfMask: mask, causal: true }), hs);
      return { logits: s.head(x), lastHiddenState: x, ...(hs ? { hiddenStates: hs } : {}) };
    },
    begin(prompt, mask, run, capacity) {
      const state = newSequenceState(s.blocks.length);
      const [batch, seq] = prompt.dims;
      const useMask = s.ignoresMask ? undefined : mask;
      const positions = useMask ? positionsFromMask(useMask, batch, seq) : arangePositions(batch, seq);
      const x = pass(prompt, ctxOf(run, positions, { causal: true, state: state.layers, selfMask: useMask, cacheCapacity: capacity }));
      state.length = seq;
      state.mask = useMask;
      state.nextPositions = Int32Array.from({ length: batch }, (_, b) => positions.data[b * seq + seq - 1] + 1);
      return { state, logits: s.head(lastRow(x)).data };
    },
    next(state, tokens, run) {
      const batch = tokens.length;
      const positions = new Tensor(state.nextPositions!.slice(), [batch, 1]);
      if (state.mask) state.mask = growMask(state.mask, batch, state.length);
      const step = () => s.head(pass(new Tensor(tokens, [batch, 1]), ctxOf(run, positions, { causal: true, state: state.layers, selfMask: state.mask }))).data;
      // A padded batch's mask grows every step, which a plan cannot replay.
      const logits = run.ops.backend === 'native' && !state.mask ? plannedStep(state, { ids: tokens, positions: positions.data }, step) : step();
      state.length += 1;
      state.nextPositions!.forEach((_, b) => state.nextPositions![b]++);
      return logits;
    },
    extend(state, ids, run) {
      const seq = ids.dims[1];
      const x = pass(ids, ctxOf(run, arangePositions(1, seq, state.nextPositions![0]), { causal: true, state: state.layers }));
      state.length += seq;
      state.nextPositions![0] += seq;
      return s.head(lastRow(x)).data;
    },
    step(states, tokens, run) {
      // One sequence alone: a plain batch-1 step does the same work without the per-row plumbing.
      if (states.length === 1) return this.next!(states[0], tokens, run);
      const positions = new Tensor(Int32Array.from(states, (st) => st.nextPositions![0]), [states.length, 1]);
      const rows = states.map((st) => {
        if (st.mask) st.mask = growMask(st.mask, 1, st.length);
        return { state: st.layers, selfMask: st.mask };
      });
      const x = pass(new Tensor(tokens, [states.length, 1]), ctxOf(run, positions, { causal: true, rows }));
      for (const st of states) {
        st.length += 1;
        st.nextPositions![0]++;
      }
      return s.head(x).data;
    },
  };
}

/** mask [batch, len] → [batch, len + 1] with the new column kept. */
function growMask(mask: Uint8Array, batch: number, len: number): Uint8Array {
  const out = new Uint8Array(batch * (len + 1));
  for (let b = 0; b < batch; b++) {
    out.set(mask.subarray(b * len, (b + 1) * len), b * (len + 1));
    out[b * (len + 1) + len] = 1;
  }
  return out;
}

// ---- encoder-decoder ----------------------------------------------------------------------------

export interface StackSpec {
  embed(ids: Tensor<Int32Array>, positions: Tensor<Int32Array>): F32;
  blocks: Block[];
  finalNorm?: Map1;
  /** Self-attention bias [heads, qLen, kLen] for queries starting at qStart (T5). */
  bias?(qStart: number, qLen: number, kLen: number): Float32Array;
}

export interface Seq2SeqSpec {
  vocabSize: number;
  decoderStartTokenId: number;
  encoder: StackSpec;
  decoder: StackSpec;
  /** Decoder output → logits (T5's tied rescale, BART's final_logits_bias live here). */
  head: Map1;
}

function runStack(st: StackSpec, ids: Tensor<Int32Array>, ctx: Ctx, past: number, hs?: F32[]): F32 {
  const seq = ids.dims[1];
  if (st.bias && !ctx.rows) ctx.selfBias = st.bias(past, seq, past + seq);
  let x = st.embed(ids, ctx.positions);
  hs?.push(x);
  x = runBlocks(x, st.blocks, ctx, hs);
  if (st.finalNorm) {
    x = st.finalNorm(x);
    if (hs) hs[hs.length - 1] = x;
  }
  return x;
}

export function seq2seq(s: Seq2SeqSpec): Net {
  const encode = (ids: Tensor<Int32Array>, mask: Uint8Array | undefined, run: Run, hs?: F32[]) =>
    runStack(s.encoder, ids, ctxOf(run, arangePositions(ids.dims[0], ids.dims[1]), { selfMask: mask }), 0, hs);
  function decodeStep(state: SequenceState, ids: Tensor<Int32Array>, run: Run, capacity?: number): F32 {
    const ctx = ctxOf(run, arangePositions(ids.dims[0], ids.dims[1], state.length), { causal: true, state: state.layers, memory: state.memory, cacheCapacity: capacity });
    const x = runStack(s.decoder, ids, ctx, state.length);
    state.length += ids.dims[1];
    return s.head(x);
  }
  return {
    kind: 'encoder-decoder',
    vocabSize: s.vocabSize,
    decoderStartTokenId: s.decoderStartTokenId,
    forward(inp, run) {
      const ehs: F32[] | undefined = inp.outputHiddenStates ? [] : undefined;
      const enc = encode(inp.inputIds, inp.attentionMask, run, ehs);
      const batch = inp.inputIds.dims[0];
      const dec = inp.decoderInputIds ?? new Tensor(new Int32Array(batch).fill(s.decoderStartTokenId), [batch, 1]);
      const ctx = ctxOf(run, arangePositions(batch, dec.dims[1]), {
        causal: true,
        selfMask: inp.decoderAttentionMask,
        memory: { hidden: enc, mask: inp.attentionMask },
      });
      const x = runStack(s.decoder, dec, ctx, 0);
      return {
        logits: s.head(x),
        encoderLastHiddenState: enc,
        decoderLastHiddenState: x,
        ...(ehs ? { encoderHiddenStates: ehs } : {}),
      };
    },
    begin(prompt, mask, run, capacity) {
      const state = newSequenceState(s.decoder.blocks.length);
      state.memory = { hidden: encode(prompt, mask, run), mask };
      const batch = prompt.dims[0];
      const logits = decodeStep(state, new Tensor(new Int32Array(batch).fill(s.decoderStartTokenId), [batch, 1]), run, capacity);
      return { state, logits: logits.data };
    },
    next(state, tokens, run) {
      return decodeStep(state, new Tensor(tokens, [tokens.length, 1]), run).data;
    },
    step(states, tokens, run) {
      if (states.length === 1) return this.next!(states[0], tokens, run);
      const dec = s.decoder;
      const rows = states.map((st) => ({ state: st.layers, memory: st.memory, selfBias: dec.bias?.(st.length, 1, st.length + 1) }));
      const positions = new Tensor(Int32Array.from(states, (st) => st.length), [states.length, 1]);
      const x = runStack(dec, new Tensor(tokens, [states.length, 1]), ctxOf(run, positions, { causal: true, rows }), 0);
      for (const st of states) st.length += 1;
      return s.head(x).data;
    },
  };
}
