// pipeline(task, dir): text in, text or numbers out, over a loaded Model and its tokenizer.
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { CheckpointError, UnsupportedArchitectureError, ValueRangeError } from '../errors.js';
import { loadModel } from '../models/model.js';
import { featureExtraction, fillMask, type TaskContext, textClassification } from './encoders.js';
import { generateTexts, streamText } from './generation.js';
import { type PoolingSpec, sentenceTransformersSpec } from './pooling.js';
import { type PipelineByTask, type PipelineOptions, type Task, TASKS } from './types.js';

export * from './types.js';
export type { PoolingMode } from './pooling.js';

/** Which HF classes (config.architectures[0]) can run a task; the error names what the task needs. */
const CAN: Record<Task, { ok: RegExp; needs: string }> = {
  'feature-extraction': { ok: /./, needs: '' },
  'fill-mask': { ok: /ForMaskedLM$/, needs: 'a masked-language-model head (*ForMaskedLM)' },
  'text-classification': { ok: /ForSequenceClassification$/, needs: 'a sequence-classification head (*ForSequenceClassification)' },
  'text-generation': { ok: /(ForCausalLM|LMHeadModel)$/, needs: 'a decoder-only language model (GPT-2, LLaMA, Mamba)' },
  'text2text-generation': { ok: /ForConditionalGeneration$/, needs: 'an encoder-decoder model (T5, BART)' },
};

async function rawConfig(dir: string): Promise<Record<string, unknown>> {
  const path = join(dir, 'config.json');
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new CheckpointError(`${path}: cannot read (${(e as Error).message})`, { cause: e });
  }
}

/**
 * Loads the checkpoint folder dir (config.json, weights, tokenizer.json) and returns the task's
 * callable: `const fill = await pipeline('fill-mask', dir); await fill('Paris is the [MASK] of France.')`.
 */
export async function pipeline<T extends Task>(task: T, dir: string, opts: PipelineOptions = {}): Promise<PipelineByTask[T]> {
  if (!(TASKS as readonly string[]).includes(task)) throw new ValueRangeError(`pipeline: unknown task ${String(task)}; tasks: ${TASKS.join(', ')}`);
  const tokPath = join(dir, 'tokenizer.json');
  try {
    await access(tokPath);
  } catch {
    throw new CheckpointError(`pipeline: ${tokPath} is missing (pipelines need the checkpoint's tokenizer)`);
  }
  const raw = await rawConfig(dir);
  // Checked before loading, so a wrong pairing fails fast; loadModel refuses unknown classes itself.
  const arch = Array.isArray(raw.architectures) ? String(raw.architectures[0]) : '';
  if (arch && !CAN[task].ok.test(arch)) {
    throw new UnsupportedArchitectureError(`pipeline: ${arch} cannot run ${task}; it needs ${CAN[task].needs}`);
  }
  const pooling: PoolingSpec = task === 'feature-extraction' ? ((await sentenceTransformersSpec(dir)) ?? { pooling: ['mean'], normalize: false }) : { pooling: 'none', normalize: false };
  const model = await loadModel(dir, opts);
  const c: TaskContext = { model, tok: model.tokenizer!, raw };
  type Call = (input: unknown, o?: never) => Promise<unknown>;
  // Every task but feature-extraction (one Tensor for the batch) answers per text: a single text gets its own answer.
  const perText: Record<Exclude<Task, 'feature-extraction'>, (input: unknown, o?: never) => Promise<unknown[]>> = {
    'fill-mask': (input, o) => fillMask(c, input, o),
    'text-classification': (input, o) => textClassification(c, input, o),
    'text-generation': (input, o) => generateTexts(c, task, input, o),
    'text2text-generation': (input, o) => generateTexts(c, task, input, o),
  };
  const call: Call =
    task === 'feature-extraction'
      ? (input, o) => featureExtraction(c, pooling, input, o)
      : async (input, o) => {
          const r = await perText[task as Exclude<Task, 'feature-extraction'>](input, o);
          return Array.isArray(input) ? r : r[0];
        };
  const fn = Object.assign(call, { task, model, tokenizer: c.tok, dispose: () => model.dispose() });
  if (task === 'text-generation' || task === 'text2text-generation') {
    Object.assign(fn, { stream: (input: unknown, o?: never) => streamText(c, task, input, o) });
  }
  return fn as unknown as PipelineByTask[T];
}
