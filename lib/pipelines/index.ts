// pipeline(task, dir): text in, text or numbers out, over a loaded Model and its tokenizer. Without
// a folder, the task's embedded default model (lib/models/defaults.ts) serves it.
import { access, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

import { CheckpointError, ModelNotFoundError, UnsupportedArchitectureError, ValueRangeError } from '../errors.js';
import { DEFAULT_FOR_TASK, defaultModelFor, type DefaultTask } from '../models/defaults.js';
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

/** The folder to load and the name the pipeline reports: dir as given, else the task's embedded default. */
function whichModel(task: Task, dir: string | undefined): { dir: string; name: string; isDefault: boolean } {
  if (dir !== undefined) {
    if (typeof dir !== 'string' || dir === '') throw new ValueRangeError(`pipeline: the model folder must be a non-empty string, got ${JSON.stringify(dir)}`);
    return { dir, name: basename(resolve(dir)), isDefault: false };
  }
  if (!Object.hasOwn(DEFAULT_FOR_TASK, task)) {
    throw new ModelNotFoundError(`pipeline: ${task} has no embedded default model; pass a checkpoint folder`);
  }
  const d = defaultModelFor(task as DefaultTask);
  return { dir: d.dir, name: d.name, isDefault: true };
}

/**
 * Loads the checkpoint folder dir (config.json, weights, tokenizer.json) and returns the task's
 * callable: `const fill = await pipeline('fill-mask', dir); await fill('Paris is the [MASK] of France.')`.
 * Without dir (undefined), the task's embedded default model is used; `modelName`, `modelDir` and
 * `isDefaultModel` on the result say which model answered.
 */
export async function pipeline<T extends Task>(task: T, dir?: string, opts: PipelineOptions = {}): Promise<PipelineByTask[T]> {
  if (!(TASKS as readonly string[]).includes(task)) throw new ValueRangeError(`pipeline: unknown task ${String(task)}; tasks: ${TASKS.join(', ')}`);
  const which = whichModel(task, dir);
  dir = which.dir;
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
  const fn = Object.assign(call, {
    task, model, tokenizer: c.tok, modelName: which.name, modelDir: dir, isDefaultModel: which.isDefault, dispose: () => model.dispose(),
  });
  if (task === 'text-generation' || task === 'text2text-generation') {
    Object.assign(fn, { stream: (input: unknown, o?: never) => streamText(c, task, input, o) });
  }
  return fn as unknown as PipelineByTask[T];
}
