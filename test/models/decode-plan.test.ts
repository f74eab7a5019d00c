// Decode plans (lib/models/plan.ts): a native decode step replayed as one addon call must give the
// same logits, bit for bit, as the same step run kernel by kernel; it must stand aside when a step
// is not a pure sequence of kernel calls (Mamba's JS slicing, a padded batch), when the cache has
// to grow, and past the positions its RoPE frequencies hold for. The addon's planCreate/planRun:
// test/addon/plan.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, describe, expect, it } from 'vitest';

import type { SequenceState } from '../../lib/generation/kv-cache.js';
import { loadLocal, type LocalModel } from '../../lib/models/local.js';
import { planStatus, profilePlan } from '../../lib/models/plan.js';
import { Tensor } from '../../lib/tensor.js';
import { nativeLoaded } from '../helpers/backends.js';
import { writeTinyCheckpoint } from '../helpers/tiny-checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'attnscan-plan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.ATTNSCAN_DECODE_PLAN;
});

async function tiny(arch: string, name: string, config: Record<string, unknown> = {}, kvCache: 'f32' | 'f16' = 'f32', dtype?: 'F16' | 'BF16'): Promise<LocalModel> {
  const dir = writeTinyCheckpoint(join(root, name), arch, { config, dtype });
  return loadLocal(dir, { backend: 'native', kvCache });
}

const runOf = (m: LocalModel) => ({ ops: m.ops, checkAbort() {}, kvCache: m.kvCache });

/** One token into a state that plans and into one that does not: both steps' logits. */
function stepBoth(m: LocalModel, planned: SequenceState, plain: SequenceState, token: number) {
  const got = m.net.next!(planned, Int32Array.of(token), runOf(m));
  process.env.ATTNSCAN_DECODE_PLAN = 'off';
  const want = m.net.next!(plain, Int32Array.of(token), runOf(m));
  delete process.env.ATTNSCAN_DECODE_PLAN;
  return { got, want };
}

/** Two states from one prompt stepped with the same tokens, one with plans and one without: every step's logits. */
function paired(m: LocalModel, prompt: number[], steps: number, capacity?: number) {
  const run = runOf(m);
  const ids = new Tensor(Int32Array.from(prompt), [1, prompt.length]);
  const planned = m.net.begin!(ids, undefined, run, capacity).state;
  const plain = m.net.begin!(ids, undefined, run, capacity).state;
  const got: Float32Array[] = [];
  const want: Float32Array[] = [];
  const statuses: string[] = [];
  let token = prompt[prompt.length - 1];
  for (let i = 0; i < steps; i++) {
    const step = stepBoth(m, planned, plain, token);
    got.push(step.got);
    want.push(step.want);
    statuses.push(planStatus(planned));
    token = (token * 31 + 7) % 90;
  }
  return { got, want, statuses, planned, plain };
}

function expectSameBits(got: Float32Array[], want: Float32Array[]) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    expect(Buffer.from(got[i].buffer, got[i].byteOffset, got[i].byteLength).equals(Buffer.from(want[i].buffer, want[i].byteOffset, want[i].byteLength)), `step ${i}`).toBe(true);
  }
}

describe.runIf(nativeLoaded)('decode plans', () => {
  it.each([
    ['LlamaForCausalLM', 'f32'],
    ['LlamaForCausalLM', 'f16'],
    ['GPT2LMHeadModel', 'f32'],
    ['GPT2LMHeadModel', 'f16'],
  ] as const)('%s (%s cache): planned steps equal kernel-by-kernel steps bit for bit, and returned logits stay put', async (arch, kv) => {
    const m = await tiny(arch, `${arch}-${kv}`, {}, kv);
    try {
      const r = paired(m, [3, 17, 20, 5, 9], 12, 64);
      // Steps 1 and 2 are recorded; from the third on the plan runs.
      expect(r.statuses.slice(0, 2)).toEqual(['recording', 'planned']);
      expect(r.statuses.at(-1)).toBe('planned');
      expectSameBits(r.got, r.want);
      expect(planStatus(r.plain)).toBe('ATTNSCAN_DECODE_PLAN=off');
      for (const [i, l] of r.planned.layers.entries()) expect(l.self!.length, `layer ${i}`).toBe(5 + 12);
    } finally {
      m.checkpoint.close();
    }
  });

  it.each(['F16', 'BF16'] as const)('%s weights plan and stay exact', async (dtype) => {
    const m = await tiny('LlamaForCausalLM', `llama-${dtype}`, { tie_word_embeddings: false }, 'f16', dtype);
    try {
      const r = paired(m, [3, 17, 20, 5], 8, 32);
      expect(r.statuses.at(-1)).toBe('planned');
      expectSameBits(r.got, r.want);
    } finally {
      m.checkpoint.close();
    }
  });

  it('a cache at capacity grows the usual way and the next steps plan again', async () => {
    const m = await tiny('LlamaForCausalLM', 'llama-grow');
    try {
      // Capacity 8 after a 4-token prompt: the plan covers positions 6..7, step 5 grows the cache.
      const r = paired(m, [3, 17, 20, 5], 14, 8);
      expectSameBits(r.got, r.want);
      expect(r.statuses).toContain('planned');
      expect(r.statuses.at(-1)).toBe('planned');
      expect(r.statuses.indexOf('recording', 2)).toBeGreaterThan(0);
    } finally {
      m.checkpoint.close();
    }
  });

  it('dynamic NTK RoPE: the plan stops where the frequencies change, the steps stay exact', async () => {
    const m = await tiny('LlamaForCausalLM', 'llama-ntk', { max_position_embeddings: 12, rope_scaling: { type: 'dynamic', factor: 2 } });
    try {
      const r = paired(m, [3, 17, 20, 5], 16, 64);
      expectSameBits(r.got, r.want);
      // Positions 4..11 may run planned; from 12 on each length has its own frequencies.
      expect(r.statuses.slice(0, 6)).toContain('planned');
      expect(r.statuses.at(-1)).not.toBe('planned');
    } finally {
      m.checkpoint.close();
    }
  });

  it('Mamba (JS slices between kernels) and a padded batch keep stepping kernel by kernel', async () => {
    const mamba = await tiny('MambaForCausalLM', 'mamba');
    try {
      const r = paired(mamba, [3, 17, 20], 6);
      expectSameBits(r.got, r.want);
      expect(r.statuses.at(-1)).toMatch(/new buffer each step/);
    } finally {
      mamba.checkpoint.close();
    }
    const m = await tiny('LlamaForCausalLM', 'llama-pad');
    try {
      const run = runOf(m);
      const state: SequenceState = m.net.begin!(new Tensor(Int32Array.of(0, 3, 17, 8, 9, 10), [2, 3]), Uint8Array.of(0, 1, 1, 1, 1, 1), run, 32).state;
      for (let i = 0; i < 4; i++) m.net.next!(state, Int32Array.of(5, 6), run);
      expect(planStatus(state)).toBe('recording');
      expect(state.plan).toBeUndefined();
    } finally {
      m.checkpoint.close();
    }
  });

  it('profilePlan times each call without advancing the state', async () => {
    const m = await tiny('LlamaForCausalLM', 'llama-profile');
    try {
      const r = paired(m, [3, 17, 20], 4, 32);
      const length = r.planned.length;
      const calls = profilePlan(r.planned, 3)!;
      expect(calls.map((c) => c.kernel)).toContain('attention');
      expect(calls.some((c) => c.kernel.startsWith('linear ['))).toBe(true);
      for (const c of calls) expect(c.seconds).toBeGreaterThanOrEqual(0);
      expect(r.planned.length).toBe(length);
      const { got, want } = stepBoth(m, r.planned, r.plain, 4);
      expectSameBits([got], [want]);
      expect(profilePlan(r.plain, 1)).toBeUndefined();
    } finally {
      m.checkpoint.close();
    }
  });

  it('a bad token id in a planned step is a typed error, and the state is not advanced', async () => {
    const m = await tiny('LlamaForCausalLM', 'llama-bad-id');
    try {
      const r = paired(m, [3, 17, 20], 4, 32);
      expect(r.statuses.at(-1)).toBe('planned');
      const length = r.planned.length;
      expect(() => m.net.next!(r.planned, Int32Array.of(1 << 20), runOf(m))).toThrow(expect.objectContaining({ name: 'ValueRangeError', message: expect.stringMatching(/ids\[0\] = 1048576 is outside/) }));
      expect(r.planned.layers[0].self!.length).toBe(length);
      // The next good step still matches the plain state's.
      const { got, want } = stepBoth(m, r.planned, r.plain, 4);
      expectSameBits([got], [want]);
    } finally {
      m.checkpoint.close();
    }
  });
});
