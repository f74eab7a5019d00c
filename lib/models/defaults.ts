// The small models attnscan trains itself and ships in the package (models/<name>/, issue 6), one
// per family, used by the CLI, the server and pipeline() when no model folder is given.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { ModelNotFoundError } from '../errors.js';
import { packageRoot } from '../util/paths.js';

/** The embedded models, by name; each folder is an ordinary Hugging Face checkpoint. */
export const DEFAULT_MODELS = {
  'attnscan-llama-tiny': { family: 'decoder-only (LLaMA)', objective: 'next-token prediction' },
  'attnscan-mamba-tiny': { family: 'Mamba', objective: 'next-token prediction' },
  'attnscan-bert-tiny': { family: 'encoder-only (BERT)', objective: 'masked-language modelling' },
  'attnscan-t5-tiny': { family: 'encoder-decoder (T5)', objective: 'span corruption' },
} as const;

export type DefaultModelName = keyof typeof DEFAULT_MODELS;

/** Which embedded model serves a task when none is named. */
export const DEFAULT_FOR_TASK = {
  'text-generation': 'attnscan-llama-tiny',
  'text2text-generation': 'attnscan-t5-tiny',
  'fill-mask': 'attnscan-bert-tiny',
  'feature-extraction': 'attnscan-bert-tiny',
} as const satisfies Record<string, DefaultModelName>;

export type DefaultTask = keyof typeof DEFAULT_FOR_TASK;

/** The folder of an embedded model; ModelNotFoundError when this install does not have it. */
export function defaultModelDir(name: DefaultModelName): string {
  if (!Object.hasOwn(DEFAULT_MODELS, name)) {
    throw new ModelNotFoundError(`no embedded model named '${String(name)}' (known: ${Object.keys(DEFAULT_MODELS).join(', ')})`);
  }
  const dir = join(packageRoot, 'models', name);
  if (!existsSync(join(dir, 'config.json'))) throw new ModelNotFoundError(`the embedded model '${name}' is not installed at ${dir}`);
  return dir;
}

/** The embedded model for a task, with its name (callers say which model they used). */
export function defaultModelFor(task: DefaultTask): { name: DefaultModelName; dir: string } {
  const name: DefaultModelName = DEFAULT_FOR_TASK[task];
  if (!name) throw new ModelNotFoundError(`no embedded default model for the task '${String(task)}'`);
  return { name, dir: defaultModelDir(name) };
}
