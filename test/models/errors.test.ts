// Malformed checkpoints and bad inputs: the right error class and a message naming the problem.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CheckpointError, ShapeError, UnsupportedArchitectureError, ValueRangeError } from '../../lib/errors.js';
import { writeSafetensors } from '../../lib/io/safetensors-writer.js';
import { loadLocal, runForward } from '../../lib/models/local.js';
import { loadModel } from '../../lib/models/model.js';
import { tinyConfigs, tinyTensors, writeTinyCheckpoint } from '../helpers/tiny-checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'attnscan-bad-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function llamaWith(name: string, edit: (t: ReturnType<typeof tinyTensors>) => void, config: Record<string, unknown> = {}): string {
  const dir = writeTinyCheckpoint(join(root, name), 'LlamaForCausalLM', { config });
  const cfg = { architectures: ['LlamaForCausalLM'], ...tinyConfigs.LlamaForCausalLM, ...config };
  const t = tinyTensors(cfg);
  edit(t);
  writeSafetensors(join(dir, 'model.safetensors'), t);
  return dir;
}

describe('malformed checkpoints', () => {
  it('a missing tensor is named', async () => {
    const dir = llamaWith('missing', (t) => delete t['model.layers.1.mlp.up_proj.weight']);
    await expect(loadLocal(dir, { backend: 'ts' })).rejects.toThrow(CheckpointError);
    await expect(loadLocal(dir, { backend: 'ts' })).rejects.toThrow(/missing tensors: model\.layers\.1\.mlp\.up_proj\.weight \[64, 48\]/);
  });

  it('a mis-shaped tensor is named with both shapes', async () => {
    const dir = llamaWith('shape', (t) => {
      t['model.layers.0.self_attn.k_proj.weight'] = { dtype: 'F32', dims: [48, 48], data: new Float32Array(48 * 48) };
    });
    await expect(loadLocal(dir, { backend: 'ts' })).rejects.toThrow(/model\.layers\.0\.self_attn\.k_proj\.weight: expected \[16, 48\], got \[48, 48\]/);
  });

  it('an untied head without lm_head.weight is missing, and the unexpected names are listed', async () => {
    const dir = llamaWith('untied', (t) => {
      delete t['lm_head.weight'];
      t['model.extra.weight'] = { dtype: 'F32', dims: [2], data: new Float32Array(2) };
    }, { tie_word_embeddings: false });
    await expect(loadLocal(dir, { backend: 'ts' })).rejects.toThrow(/missing tensors: lm_head\.weight.*unexpected tensors: model\.extra\.weight/);
  });

  it('an unknown architecture', async () => {
    const dir = writeTinyCheckpoint(join(root, 'unknown'), 'GPT2LMHeadModel');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ architectures: ['FalconForCausalLM'] }));
    await expect(loadLocal(dir, { backend: 'ts' })).rejects.toThrow(UnsupportedArchitectureError);
    await expect(loadLocal(dir, { backend: 'ts' })).rejects.toThrow(/'FalconForCausalLM' is not supported; supported: .*LlamaForCausalLM/);
  });

  it('a config missing a required key', async () => {
    const dir = writeTinyCheckpoint(join(root, 'config'), 'GPT2LMHeadModel');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ architectures: ['GPT2LMHeadModel'], vocab_size: 96 }));
    await expect(loadLocal(dir, { backend: 'ts' })).rejects.toThrow(/config\.n_embd must be a non-negative integer/);
  });

  it('a truncated weights file', async () => {
    const dir = writeTinyCheckpoint(join(root, 'trunc'), 'MambaForCausalLM');
    writeFileSync(join(dir, 'model.safetensors'), Buffer.from([1, 2, 3]));
    await expect(loadLocal(dir, { backend: 'ts' })).rejects.toThrow(CheckpointError);
  });
});

describe('bad inputs', () => {
  const dir = writeTinyCheckpoint(join(root, 'inputs'), 'BertForMaskedLM');
  it.each([
    ['out-of-range id', { inputIds: [[3, 96]] }, ValueRangeError, /inputIds\[0, 1\] = 96 is outside the vocabulary \[0, 96\)/],
    ['negative id', { inputIds: [[-1]] }, ValueRangeError, /inputIds\[0, 0\] = -1/],
    ['empty batch', { inputIds: [] }, ShapeError, /inputIds is empty/],
    ['empty sequence', { inputIds: [[]] }, ShapeError, /inputIds is empty/],
    ['ragged rows', { inputIds: [[1, 2], [3]] }, ShapeError, /same length/],
    ['mask of the wrong shape', { inputIds: [[1, 2]], attentionMask: [[1]] }, ShapeError, /attentionMask must have dims \[1, 2\]/],
  ])('%s', async (_, args, cls, msg) => {
    const m = await loadLocal(dir, { backend: 'ts' });
    const run = () => runForward(m, args as Record<string, unknown>, { ops: m.ops, checkAbort() {} });
    expect(run).toThrow(cls);
    expect(run).toThrow(msg);
  });

  it('generating past the learned positions is a ValueRangeError naming them', async () => {
    const gpt2 = writeTinyCheckpoint(join(root, 'gpt2-positions'), 'GPT2LMHeadModel', { config: { n_positions: 8 } });
    const m = await loadModel(gpt2, { backend: 'ts' });
    try {
      const run = async () => {
        for await (const _ of m.generate([1, 2, 3, 4, 5], { maxNewTokens: 10, eosTokenId: null })) void _;
      };
      await expect(run()).rejects.toThrow(/transformer\.wpe\.weight: position 8 is outside the 8 learned positions/);
    } finally {
      await m.dispose();
    }
  });

  it('errors cross the worker boundary with their class', async () => {
    const m = await loadModel(dir, { backend: 'ts' });
    try {
      await expect(m.forward({ inputIds: [[500]] })).rejects.toThrow(ValueRangeError);
      await expect(m.forward({ inputIds: [[]] })).rejects.toThrow(ShapeError);
      const gen = async () => {
        for await (const _ of m.generate([1, 2])) void _;
      };
      await expect(gen()).rejects.toThrow(/no language-model head/);
    } finally {
      await m.dispose();
    }
    await expect(loadModel(join(root, 'nowhere'))).rejects.toThrow(CheckpointError);
  });
});
