// The models one server (or one CLI command) runs: each configured folder loaded once, with its
// tokenizer, config.json as written, chat template and pooling. Requests name a model by its
// configured name only; no path from a request is ever opened.
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

import { CheckpointError, UnsupportedArchitectureError, ValueRangeError } from '../errors.js';
import type { TextTokenizer } from '../io/tokenizer.js';
import { defaultModelFor, type DefaultTask } from '../models/defaults.js';
import { loadModel, type LoadModelOptions, type Model } from '../models/model.js';
import type { TaskContext } from '../pipelines/encoders.js';
import { type PoolingSpec, sentenceTransformersSpec } from '../pipelines/pooling.js';

export interface ModelSpec {
  name: string;
  dir: string;
}

export interface ServedModel {
  name: string;
  model: Model;
  tok: TextTokenizer;
  raw: Record<string, unknown>;
  /** tokenizer_config.json's chat_template (the default one when it lists several). */
  chatTemplate?: string;
  pooling: PoolingSpec;
  /** Longest prompt + completion the positions allow; undefined for Mamba (no limit). */
  contextLength?: number;
  created: number;
  canGenerate: boolean;
  canClassify: boolean;
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function chatTemplateOf(config: Record<string, unknown> | undefined): string | undefined {
  const t = config?.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t as { name?: unknown; template?: unknown }[];
    const pick = named.find((x) => x?.name === 'default') ?? named[0];
    if (typeof pick?.template === 'string') return pick.template;
  }
  return undefined;
}

/**
 * `--model DIR` or `--model name=DIR` (a bare DIR is named after its folder). A value that exists
 * as a folder is a folder even if it contains '='.
 */
export function parseModelSpec(value: string, exists: (p: string) => boolean): ModelSpec {
  const eq = value.indexOf('=');
  if (eq > 0 && !exists(value)) {
    const name = value.slice(0, eq);
    if (!/^[\w.:-]{1,128}$/.test(name)) throw new ValueRangeError(`--model ${value}: the name '${name}' may use letters, digits, '.', ':', '_' and '-' only`);
    return { name, dir: resolve(value.slice(eq + 1)) };
  }
  return { name: basename(resolve(value)), dir: resolve(value) };
}

/** The embedded default for a task, with a note of which one was picked. */
export function defaultSpec(task: DefaultTask): ModelSpec {
  const { name, dir } = defaultModelFor(task);
  return { name, dir };
}

function contextLengthOf(raw: Record<string, unknown>): number | undefined {
  for (const k of ['max_position_embeddings', 'n_positions', 'n_ctx']) {
    if (typeof raw[k] === 'number' && (raw[k] as number) > 0) return raw[k] as number;
  }
  return undefined;
}

/** What a caller will ask of the model; checked against config.json before anything loads. */
export type Need = 'generate' | 'classify' | 'fill-mask';

const HEADS: Record<Need, { ok: RegExp; what: string }> = {
  generate: { ok: /(ForCausalLM|LMHeadModel|ForConditionalGeneration)$/, what: 'cannot generate text: it has no language-model head' },
  classify: { ok: /ForSequenceClassification$/, what: 'has no sequence-classification head' },
  'fill-mask': { ok: /ForMaskedLM$/, what: 'has no masked-language-model head (*ForMaskedLM)' },
};

export async function loadServed(spec: ModelSpec, opts: LoadModelOptions = {}, need?: Need): Promise<ServedModel> {
  const raw = await readJson(join(spec.dir, 'config.json'));
  if (!raw) throw new CheckpointError(`${spec.name}: ${join(spec.dir, 'config.json')} is missing or not a JSON object`);
  const arch = Array.isArray(raw.architectures) ? String(raw.architectures[0]) : '';
  if (need && !HEADS[need].ok.test(arch)) throw new UnsupportedArchitectureError(`${spec.name} (${arch || 'no architectures in config.json'}) ${HEADS[need].what}`);
  const model = await loadModel(spec.dir, opts);
  if (!model.tokenizer) {
    await model.dispose();
    throw new CheckpointError(`${spec.name}: ${join(spec.dir, 'tokenizer.json')} is missing (serving needs the checkpoint's tokenizer)`);
  }
  return {
    name: spec.name,
    model,
    tok: model.tokenizer,
    raw,
    chatTemplate: chatTemplateOf(await readJson(join(spec.dir, 'tokenizer_config.json'))),
    pooling: (await sentenceTransformersSpec(spec.dir)) ?? { pooling: ['mean'], normalize: false },
    contextLength: model.kind === 'decoder' && model.architecture.toLowerCase().includes('mamba') ? undefined : contextLengthOf(raw),
    created: Math.floor(Date.now() / 1000),
    canGenerate: HEADS.generate.ok.test(arch),
    canClassify: HEADS.classify.ok.test(arch),
  };
}

export const taskContext = (s: ServedModel): TaskContext => ({ model: s.model, tok: s.tok, raw: s.raw });
