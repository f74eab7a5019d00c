// Greedy generation against the fixtures on both backends (tokens exactly, step logits within
// tolerance), and cached generation equal to recomputing the whole sequence each step.
import { describe, expect, it } from 'vitest';

import { generateBatch, generateTokens } from '../../lib/generation/generate.js';
import { loadLocal, runForward } from '../../lib/models/local.js';
import { nativeLoaded } from '../helpers/backends.js';
import { compareArrays } from '../helpers/compare.js';
import { fixturesDir } from '../helpers/fixtures.js';
import { goldenCases } from './golden.js';

const ARCHS = ['gpt2', 'llama', 'mamba', 't5', 'bart'];
const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

describe.each(backends)('generation on %s', (backend) => {
  const cases = ARCHS.flatMap((arch) => goldenCases(arch).filter((g) => g.c.kind.endsWith('generate')));

  it.each(cases.map((g) => [g.arch, g] as const))('%s: greedy tokens and step logits match the reference', async (_, g) => {
    const m = await loadLocal(`${fixturesDir}/models/${g.arch}`, { backend });
    const prompt = g.t.get('input_ids')!.data as Int32Array;
    const steps = Number(g.c.params.max_new_tokens);
    const tokens: number[] = [];
    const logits: Float32Array[] = [];
    generateTokens(m.net, prompt, { maxNewTokens: steps, eosTokenId: null }, m, { ops: m.ops, checkAbort() {} }, (t, l) => {
      tokens.push(t);
      logits.push(l.slice());
    });
    const seq = Array.from(g.t.get('sequences')!.data as Int32Array);
    expect(tokens).toEqual(seq.slice(seq.length - steps));
    const spec = g.c.tensors.step_logits as { atol: number; rtol: number };
    const all = new Float32Array(logits.reduce((n, l) => n + l.length, 0));
    logits.forEach((l, i) => all.set(l, i * l.length));
    expect(compareArrays(all, g.t.get('step_logits')!.data as Float32Array, { ...spec, nmse: 1 }, `${g.arch}/step_logits`)).toBeUndefined();
  });

  it.each(['gpt2', 'llama', 'mamba'])('%s: cached steps equal recomputing the whole sequence', async (arch) => {
    const m = await loadLocal(`${fixturesDir}/models/${arch}`, { backend });
    const run = { ops: m.ops, checkAbort() {} };
    const prompt = Int32Array.of(3, 17, 200, 5, 9);
    const seq = Array.from(prompt);
    const stepLogits: Float32Array[] = [];
    generateTokens(m.net, prompt, { maxNewTokens: 8, eosTokenId: null }, m, run, (t, l) => {
      seq.push(t);
      stepLogits.push(l.slice());
    });
    const full = runForward(m, { inputIds: [seq] }, run).logits!;
    const vocab = m.net.vocabSize;
    stepLogits.forEach((l, i) => {
      const row = full.data.subarray((prompt.length - 1 + i) * vocab, (prompt.length + i) * vocab);
      expect(compareArrays(l, row, { atol: 1e-4, rtol: 1e-4, nmse: 1 }, `${arch} step ${i}`)).toBeUndefined();
    });
  });

  it.each(['gpt2', 'llama', 't5', 'bart'])('%s: a left-padded batch generates what each prompt generates alone', async (arch) => {
    const m = await loadLocal(`${fixturesDir}/models/${arch}`, { backend });
    const run = { ops: m.ops, checkAbort() {} };
    const prompts = [[3, 17, 200, 5, 9, 44, 12], [8, 1], [61, 62, 63, 64]];
    const o = { maxNewTokens: 6, eosTokenId: null };
    const vocab = m.net.vocabSize;
    const batched: { tokens: (number | null)[]; logits: Float32Array }[] = [];
    generateBatch(m.net, prompts, o, m, run, (tokens, logits) => batched.push({ tokens, logits: logits.slice() }));
    prompts.forEach((p, b) => {
      const alone: number[] = [];
      const logits: Float32Array[] = [];
      generateTokens(m.net, Int32Array.from(p), o, m, run, (t, l) => {
        alone.push(t);
        logits.push(l.slice());
      });
      // Compare until a step whose top two logits are too close to call (random prompts carry no
      // margin guarantee; after such a flip the sequences legitimately diverge).
      for (let i = 0; i < alone.length; i++) {
        const row = batched[i].logits.subarray(b * vocab, (b + 1) * vocab);
        expect(compareArrays(row, logits[i], { atol: 1e-4, rtol: 1e-4, nmse: 1 }, `${arch} prompt ${b} step ${i}`)).toBeUndefined();
        const sorted = Array.from(logits[i]).sort((x, y) => y - x);
        if (sorted[0] - sorted[1] < 1e-3) break;
        expect(batched[i].tokens[b]).toBe(alone[i]);
      }
    });
  });

  it('a stopped sequence yields null while the others go on', async () => {
    const m = await loadLocal(`${fixturesDir}/models/llama`, { backend });
    const run = { ops: m.ops, checkAbort() {} };
    const first: number[] = [];
    generateTokens(m.net, Int32Array.of(8, 1), { maxNewTokens: 4, eosTokenId: null }, m, run, (t) => first.push(t));
    const steps: (number | null)[][] = [];
    generateBatch(m.net, [[3, 17, 200], [8, 1]], { maxNewTokens: 4, eosTokenId: first[0] }, m, run, (t) => steps.push(t));
    expect(steps.map((s) => s[1])).toEqual([first[0], null, null, null].slice(0, steps.length));
    expect(steps.length).toBeGreaterThan(1);
  });

  it('t5: cached decoder steps equal recomputing the decoder over the whole prefix', async () => {
    const m = await loadLocal(`${fixturesDir}/models/t5`, { backend });
    const run = { ops: m.ops, checkAbort() {} };
    const prompt = Int32Array.of(8, 40, 2, 99, 7, 1);
    const dec = [m.net.decoderStartTokenId!];
    const stepLogits: Float32Array[] = [];
    generateTokens(m.net, prompt, { maxNewTokens: 6, eosTokenId: null }, m, run, (t, l) => {
      dec.push(t);
      stepLogits.push(l.slice());
    });
    const full = runForward(m, { inputIds: [Array.from(prompt)], decoderInputIds: [dec.slice(0, -1)] }, run).logits!;
    const vocab = m.net.vocabSize;
    stepLogits.forEach((l, i) => {
      expect(compareArrays(l, full.data.subarray(i * vocab, (i + 1) * vocab), { atol: 1e-4, rtol: 1e-4, nmse: 1 }, `t5 step ${i}`)).toBeUndefined();
    });
  });
});
