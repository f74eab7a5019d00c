// Property tests of model calls on tiny checkpoints (fast-check, seeded): random token ids (out
// of the vocabulary included), masks (all-zero rows included), batch and sequence lengths,
// position and decoder ids. Each forward either agrees between the native and TS backends within
// tolerance, with no NaN, or throws the same documented error on both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ShapeError, ValueRangeError } from '../../lib/errors.js';
import { type LocalModel, loadLocal, runForward } from '../../lib/models/local.js';
import { Tensor } from '../../lib/tensor.js';
import { nativeLoaded } from '../helpers/backends.js';
import { fcParams, propertyTimeout } from '../helpers/property.js';
import { writeTinyCheckpoint } from '../helpers/tiny-checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'attnscan-prop-models-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const VOCAB = 96;
const archs = ['BertForMaskedLM', 'GPT2LMHeadModel', 'LlamaForCausalLM', 'T5ForConditionalGeneration', 'BartForConditionalGeneration', 'MambaForCausalLM'];
const seq2seq = new Set(['T5ForConditionalGeneration', 'BartForConditionalGeneration']);

const idArb = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0, max: VOCAB - 1 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, VOCAB, 2 ** 31 - 1, -(2 ** 31)) });
const callArb = fc.record({
  batch: fc.integer({ min: 1, max: 2 }),
  seq: fc.integer({ min: 0, max: 7 }),
  ids: fc.array(idArb, { minLength: 14, maxLength: 14 }),
  mask: fc.option(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 14, maxLength: 14 })),
  positions: fc.option(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 14, maxLength: 14 }), { freq: 4 }),
  decoderSeq: fc.integer({ min: 1, max: 4 }),
});
type Call = typeof callArb extends fc.Arbitrary<infer T> ? T : never;

function argsOf(arch: string, c: Call): Record<string, unknown> {
  const n = c.batch * c.seq;
  const ids = new Tensor(Int32Array.from(c.ids.slice(0, n)), [c.batch, c.seq]);
  const a: Record<string, unknown> = { inputIds: ids };
  if (c.mask) a.attentionMask = new Tensor(Uint8Array.from(c.mask.slice(0, n)), [c.batch, c.seq]);
  if (c.positions && !seq2seq.has(arch)) a.positionIds = new Tensor(Int32Array.from(c.positions.slice(0, n)), [c.batch, c.seq]);
  if (seq2seq.has(arch)) a.decoderInputIds = new Tensor(Int32Array.from({ length: c.batch * c.decoderSeq }, (_, i) => (i * 7) % VOCAB), [c.batch, c.decoderSeq]);
  return a;
}

type Outcome = { value: Record<string, unknown> } | { error: unknown };
function forward(m: LocalModel, args: Record<string, unknown>): Outcome {
  try {
    return { value: runForward(m, args, { ops: m.ops, checkAbort() {} }) as unknown as Record<string, unknown> };
  } catch (error) {
    return { error };
  }
}

describe.runIf(nativeLoaded)('models: random forwards agree on both backends or fail the same documented way', () => {
  const models = new Map<string, { native: LocalModel; ts: LocalModel }>();
  beforeAll(async () => {
    for (const arch of archs) {
      const dir = writeTinyCheckpoint(join(root, arch), arch);
      models.set(arch, { native: await loadLocal(dir, { backend: 'native' }), ts: await loadLocal(dir, { backend: 'ts' }) });
    }
  }, 60_000);

  it.each(archs)('%s', (arch) => {
    const { native, ts } = models.get(arch)!;
    fc.assert(
      fc.property(callArb, (c) => {
        const got = forward(native, argsOf(arch, c));
        const ref = forward(ts, argsOf(arch, c));
        if ('error' in ref || 'error' in got) {
          const e = 'error' in ref ? ref.error : (got as { error: unknown }).error;
          if (!(e instanceof ShapeError || e instanceof ValueRangeError)) throw e;
          expect('error' in got && 'error' in ref, `${arch}: one backend threw ${String(e)}`).toBe(true);
          expect((got as { error: Error }).error.constructor).toBe((ref as { error: Error }).error.constructor);
          return;
        }
        for (const [k, v] of Object.entries(ref.value)) {
          if (!(v instanceof Tensor)) continue;
          const g = got.value[k] as Tensor;
          expect(g.dims).toEqual(v.dims);
          const r = v.data as Float32Array;
          const d = g.data as Float32Array;
          for (let i = 0; i < r.length; i++) {
            if (Number.isNaN(d[i]) || !(Math.abs(d[i] - r[i]) <= 2e-3 + 2e-3 * Math.abs(r[i]))) expect.fail(`${arch} ${k}[${i}]: native ${d[i]}, twin ${r[i]}`);
          }
        }
      }),
      fcParams(25),
    );
  }, propertyTimeout(30_000));
});
