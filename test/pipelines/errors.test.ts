// Bad tasks, models that cannot do a task, missing tokenizers and bad inputs: typed errors that
// name the problem.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { AbortError, CheckpointError, ShapeError, UnsupportedArchitectureError, ValueRangeError } from '../../lib/errors.js';
import { pipeline, type Task } from '../../lib/pipelines/index.js';
import { fixtureWithTokenizer } from '../helpers/pipeline-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'attnscan-pipe-err-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('pipeline errors', () => {
  it('an unknown task lists the tasks', async () => {
    const p = pipeline('summarization' as Task, fixtureWithTokenizer(tmp, 'bert'));
    await expect(p).rejects.toThrow(ValueRangeError);
    await expect(p).rejects.toThrow(/summarization.*feature-extraction, fill-mask, text-classification, text-generation, text2text-generation/);
  });

  it('a missing tokenizer.json is a CheckpointError naming the path', async () => {
    const dir = fixtureWithTokenizer(tmp, 'bert', { tokenizer: false });
    const p = pipeline('fill-mask', dir);
    await expect(p).rejects.toThrow(CheckpointError);
    await expect(p).rejects.toThrow(join(dir, 'tokenizer.json'));
  });

  it.each([
    ['fill-mask', 'gpt2', /GPT2LMHeadModel cannot run fill-mask.*ForMaskedLM/],
    ['text-classification', 'bert', /BertForMaskedLM cannot run text-classification/],
    ['text-generation', 't5', /T5ForConditionalGeneration cannot run text-generation/],
    ['text2text-generation', 'llama', /LlamaForCausalLM cannot run text2text-generation/],
  ] as const)('%s on %s: UnsupportedArchitectureError naming both', async (task, arch, message) => {
    const p = pipeline(task, fixtureWithTokenizer(tmp, arch), { backend: 'ts' });
    await expect(p).rejects.toThrow(UnsupportedArchitectureError);
    await expect(p).rejects.toThrow(message);
  });

  it('bad inputs and options', async () => {
    const fm = await pipeline('fill-mask', fixtureWithTokenizer(tmp, 'roberta'), { backend: 'ts' });
    const fe = await pipeline('feature-extraction', fixtureWithTokenizer(tmp, 'bert'), { backend: 'ts' });
    try {
      await expect(fm('no mask here')).rejects.toThrow(ValueRangeError);
      await expect(fm('no mask here')).rejects.toThrow('<mask>');
      await expect(fm(['a <mask>', 'none'])).rejects.toThrow(/input 1 has no mask token <mask>/);
      await expect(fm('a <mask>', { topK: 0 })).rejects.toThrow(ValueRangeError);
      await expect(fm([])).rejects.toThrow(ShapeError);
      await expect(fm(42 as unknown as string)).rejects.toThrow(TypeError);
      await expect(fe('x', { pooling: 'median' as 'mean' })).rejects.toThrow(/pooling median is not one of/);
    } finally {
      await Promise.all([fm.dispose(), fe.dispose()]);
    }
  });

  it('an unsupported sentence-transformers module is refused rather than ignored', async () => {
    const dir = fixtureWithTokenizer(tmp, 'bert');
    writeFileSync(join(dir, 'modules.json'), JSON.stringify([{ idx: 0, path: '', type: 'sentence_transformers.models.Transformer' }, { idx: 1, path: '1_LayerNorm', type: 'sentence_transformers.models.LayerNorm' }]));
    mkdirSync(join(dir, '1_LayerNorm'));
    await expect(pipeline('feature-extraction', dir)).rejects.toThrow(/sentence_transformers\.models\.LayerNorm is not supported/);
  });
});

describe('abort', () => {
  it('an aborted signal rejects an encoder call with AbortError', async () => {
    const fe = await pipeline('feature-extraction', fixtureWithTokenizer(tmp, 'bert'), { backend: 'ts' });
    const gen = await pipeline('text-generation', fixtureWithTokenizer(tmp, 'gpt2'), { backend: 'ts' });
    try {
      await expect(fe('hello', { signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
      await expect(gen('hello', { signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
    } finally {
      await Promise.all([fe.dispose(), gen.dispose()]);
    }
  });
});
