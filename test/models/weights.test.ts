// Weight names as HF loads them: with or without the base prefix, tied heads left out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadLocal, runForward } from '../../lib/models/local.js';
import { writeTinyCheckpoint } from '../helpers/tiny-checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'attnscan-names-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const forward = async (dir: string, args: Record<string, unknown>) => {
  const m = await loadLocal(dir, { backend: 'ts' });
  return runForward(m, args, { ops: m.ops, checkAbort() {} });
};

describe('base prefixes', () => {
  it.each([
    ['BertModel', { inputIds: [[4, 8, 15, 16]] }, 'pooledOutput'],
    ['LlamaForCausalLM', { inputIds: [[4, 8, 15, 16]] }, 'logits'],
    ['GPT2LMHeadModel', { inputIds: [[4, 8, 15, 16]] }, 'logits'],
    ['MambaForCausalLM', { inputIds: [[4, 8, 15, 16]] }, 'logits'],
    ['BartForConditionalGeneration', { inputIds: [[4, 8, 15, 16]], decoderInputIds: [[2, 5]] }, 'logits'],
  ] as const)('%s loads the same with and without its base prefix', async (arch, args, key) => {
    const a = await forward(writeTinyCheckpoint(join(root, `${arch}-full`), arch, { seed: 3 }), args);
    const b = await forward(writeTinyCheckpoint(join(root, `${arch}-bare`), arch, { seed: 3, stripBasePrefix: true }), args);
    expect(Array.from(b[key]!.data)).toEqual(Array.from(a[key]!.data));
  });

  it('a base-model checkpoint under a head class names the head tensors it lacks', async () => {
    const dir = writeTinyCheckpoint(join(root, 'bert-base'), 'BertModel', { stripBasePrefix: true, config: { architectures: ['BertModel'] } });
    const { writeFileSync, readFileSync } = await import('node:fs');
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, architectures: ['BertForSequenceClassification'], id2label: { 0: 'a', 1: 'b' } }));
    await expect(loadLocal(dir, { backend: 'ts' })).rejects.toThrow(/missing tensors: classifier\.weight \[2, 24\], classifier\.bias \[2\]/);
  });
});
