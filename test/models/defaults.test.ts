// The embedded default models (models/<name>/, trained by tools/train): attnscan's forward
// reproduces the validation loss PyTorch recorded at export (validation.json) on both backends,
// and the pipelines use them when no folder is given, saying which.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ModelNotFoundError } from '../../lib/errors.js';
import { DEFAULT_MODELS, type DefaultModelName, defaultModelDir, defaultModelFor } from '../../lib/models/defaults.js';
import { loadLocal, runForward } from '../../lib/models/local.js';
import type { FillMaskResult, GenerationPipeline } from '../../lib/pipelines/index.js';
import { pipeline } from '../../lib/pipelines/index.js';
import { nativeLoaded } from '../helpers/backends.js';

const NAMES = Object.keys(DEFAULT_MODELS) as DefaultModelName[];
const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

interface Slice {
  /** Per example: [input_ids] or [input_ids, decoder_input_ids], one row each. */
  inputs: number[][][];
  /** Per example: the target at each logits position, -100 where there is none. */
  labels: number[][];
  loss: number;
}
interface Validation {
  slice: Slice;
  quick: Slice;
  validation: { loss: number; bits_per_byte?: number; unigram_bits_per_byte?: number };
}

const validation = (name: DefaultModelName): Validation => JSON.parse(readFileSync(join(defaultModelDir(name), 'validation.json'), 'utf8'));

/** Mean cross-entropy (nats) of the model's logits against the slice's labels, in float64. */
async function sliceLoss(name: DefaultModelName, backend: 'ts' | 'native', s: Slice): Promise<number> {
  const m = await loadLocal(defaultModelDir(name), { backend });
  try {
    let total = 0;
    let n = 0;
    s.inputs.forEach((inp, i) => {
      const args: Record<string, unknown> = { inputIds: [inp[0]], ...(inp[1] ? { decoderInputIds: [inp[1]] } : {}) };
      const { logits } = runForward(m, args, { ops: m.ops, checkAbort() {} });
      const vocab = logits!.dims[2];
      const data = logits!.data as Float32Array;
      s.labels[i].forEach((y, t) => {
        if (y === -100) return;
        const row = data.subarray(t * vocab, (t + 1) * vocab);
        const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
        const sum = row.reduce((a, b) => a + Math.exp(b - max), 0);
        total += Math.log(sum) + max - row[y];
        n++;
      });
    });
    return total / n;
  } finally {
    m.checkpoint.close();
  }
}

describe.each(NAMES)('%s', (name) => {
  it('is installed, with a validation record', () => {
    const v = validation(name);
    expect(v.slice.loss).toBeGreaterThan(0);
    expect(v.quick.labels[0].some((y) => y !== -100)).toBe(true);
  });

  it.each(backends)("reproduces PyTorch's loss on a validation slice within 1e-3 (%s)", async (backend) => {
    const v = validation(name);
    // The TypeScript twin is the slow path: it checks the short slice, native checks both.
    expect(Math.abs((await sliceLoss(name, backend, v.quick)) - v.quick.loss)).toBeLessThan(1e-3);
    if (backend === 'native') expect(Math.abs((await sliceLoss(name, backend, v.slice)) - v.slice.loss)).toBeLessThan(1e-3);
  });
});

describe.each(['attnscan-llama-tiny', 'attnscan-mamba-tiny'] as const)('%s', (name) => {
  it('is well below the unigram baseline in bits per byte', () => {
    const v = validation(name).validation;
    expect(v.bits_per_byte!).toBeLessThan(0.8 * v.unigram_bits_per_byte!);
  });
});

describe('pipelines without a model folder', () => {
  it('text-generation uses the LLaMA default and says so', async () => {
    const gen = await pipeline('text-generation', undefined, { backend: 'ts' });
    try {
      expect(gen.modelName).toBe('attnscan-llama-tiny');
      expect(gen.isDefaultModel).toBe(true);
      expect(gen.modelDir).toBe(defaultModelFor('text-generation').dir);
      const r = await gen('A hacker is', { maxNewTokens: 8 });
      expect(r.tokens.length).toBeGreaterThan(0);
      expect(r.generatedText.startsWith('A hacker is')).toBe(true);
      expect(r.generatedText.length).toBeGreaterThan('A hacker is'.length);
    } finally {
      await gen.dispose();
    }
  });

  it('the Mamba default generates through the same pipeline', async () => {
    const gen: GenerationPipeline = await pipeline('text-generation', defaultModelDir('attnscan-mamba-tiny'), { backend: 'ts' });
    try {
      expect(gen.modelName).toBe('attnscan-mamba-tiny');
      expect(gen.isDefaultModel).toBe(false);
      const r = await gen('A hacker is', { maxNewTokens: 8 });
      expect(r.tokens.length).toBeGreaterThan(0);
    } finally {
      await gen.dispose();
    }
  });

  describe('fill-mask (BERT default)', () => {
    let fill: Awaited<ReturnType<typeof pipeline<'fill-mask'>>>;
    beforeAll(async () => {
      fill = await pipeline('fill-mask', undefined, { backend: 'ts' });
    });
    afterAll(() => fill.dispose());

    it('says which model it used and fills the blank with a plausible word', async () => {
      expect(fill.modelName).toBe('attnscan-bert-tiny');
      expect(fill.tokenizer.special.maskToken).toBe('[MASK]');
      const r = (await fill('He wrote the program in [MASK] language.')) as FillMaskResult[];
      expect(r).toHaveLength(5);
      expect(r.map((x) => x.tokenStr.trim())).toEqual(expect.arrayContaining(['a']));
      expect(r[0].sequence).toMatch(/^He wrote the program in .+ language\.$/);
    });
  });

  it('text2text-generation uses the T5 default to fill a sentinel span', async () => {
    const t2t = await pipeline('text2text-generation', undefined, { backend: 'ts' });
    try {
      expect(t2t.modelName).toBe('attnscan-t5-tiny');
      const r = await t2t('The hacker <extra_id_0> the program and the <extra_id_1> of the system.', { maxNewTokens: 8 });
      // The span-corruption target format: the answer opens with the first sentinel. (The model is
      // small and short-trained; its spans are often empty or punctuation, see its model card.)
      expect(r.tokens[0]).toBe(t2t.tokenizer.tokenToId('<extra_id_0>'));
      expect(r.tokens.length).toBeGreaterThan(1);
    } finally {
      await t2t.dispose();
    }
  });

  it('feature-extraction uses the BERT default', async () => {
    const fe = await pipeline('feature-extraction', undefined, { backend: 'ts' });
    try {
      expect(fe.modelName).toBe('attnscan-bert-tiny');
      const t = await fe(['a small program', 'a large computer']);
      expect(t.dims).toEqual([2, 128]);
    } finally {
      await fe.dispose();
    }
  });

  it('a task with no embedded default asks for a folder', async () => {
    await expect(pipeline('text-classification')).rejects.toBeInstanceOf(ModelNotFoundError);
  });
});
