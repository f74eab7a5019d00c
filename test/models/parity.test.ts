// Tiny seeded checkpoints of every architecture (more shapes than the fixtures: GQA 6/2 with
// llama3 rope scaling and a tied head, ALBERT with 2 groups of 2 inner layers, T5 gated-gelu with
// d_kv ≠ d_model/heads and an untied head, BART with scale_embedding, f16/bf16 weights): the
// native and TS backends agree on the forward outputs and the generation step logits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { generateTokens } from '../../lib/generation/generate.js';
import { loadLocal, runForward } from '../../lib/models/local.js';
import { nativeLoaded } from '../helpers/backends.js';
import { compareArrays } from '../helpers/compare.js';
import { tinyConfigs, writeTinyCheckpoint } from '../helpers/tiny-checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'attnscan-tiny-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const variants = [
  ...Object.keys(tinyConfigs).map((a) => [a, 'F32'] as const),
  ['LlamaForCausalLM', 'BF16'] as const,
  ['BertForMaskedLM', 'F16'] as const,
];
const tol = { atol: 2e-4, rtol: 2e-3, nmse: 1e-6 };

function inputsFor(arch: string) {
  const ids = [
    [5, 17, 40, 8, 77, 3, 9],
    [12, 60, 33, 0, 0, 0, 0],
  ];
  const mask = [
    [1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 0, 0, 0, 0],
  ];
  const a: Record<string, unknown> = { inputIds: ids, attentionMask: mask, outputHiddenStates: true };
  if (arch.startsWith('T5') || arch.includes('Bart')) {
    a.decoderInputIds = [
      [2, 7, 19, 4],
      [2, 50, 0, 0],
    ];
    a.decoderAttentionMask = [
      [1, 1, 1, 1],
      [1, 1, 0, 0],
    ];
  }
  return a;
}

describe.skipIf(!nativeLoaded)('native and TS agree on tiny checkpoints', () => {
  it.each(variants)('%s (%s)', async (arch, dtype) => {
    const dir = writeTinyCheckpoint(join(root, `${arch}-${dtype}`), arch, { dtype, seed: arch.length });
    const [ts, nat] = await Promise.all([loadLocal(dir, { backend: 'ts' }), loadLocal(dir, { backend: 'native' })]);
    const args = inputsFor(arch);
    const a = runForward(ts, args, { ops: ts.ops, checkAbort() {} }) as Record<string, unknown>;
    const b = runForward(nat, args, { ops: nat.ops, checkAbort() {} }) as Record<string, unknown>;
    for (const key of Object.keys(a)) {
      const x = a[key] as { data: Float32Array } | { data: Float32Array }[];
      const y = b[key] as typeof x;
      const xs = Array.isArray(x) ? x : [x];
      const ys = Array.isArray(y) ? y : [y];
      expect(ys.length).toBe(xs.length);
      xs.forEach((t, i) => expect(compareArrays(ys[i].data, t.data, tol, `${arch}.${key}[${i}]`)).toBeUndefined());
    }
    if (ts.net.begin) {
      const steps: Float32Array[][] = [[], []];
      [ts, nat].forEach((m, k) =>
        generateTokens(m.net, Int32Array.of(4, 9, 33, 61), { maxNewTokens: 5, eosTokenId: null }, m, { ops: m.ops, checkAbort() {} }, (_, l) => steps[k].push(l.slice())),
      );
      steps[0].forEach((l, i) => expect(compareArrays(steps[1][i], l, tol, `${arch} step ${i}`)).toBeUndefined());
    }
  });
});
