// What each task's pipeline takes and returns.
import type { GenerateOptions } from '../generation/generate.js';
import type { TextTokenizer } from '../io/tokenizer.js';
import type { LoadModelOptions, Model } from '../models/model.js';
import type { Tensor } from '../tensor.js';
import type { PoolingMode } from './pooling.js';

export const TASKS = ['feature-extraction', 'fill-mask', 'text-classification', 'text-generation', 'text2text-generation'] as const;
export type Task = (typeof TASKS)[number];

export type PipelineOptions = LoadModelOptions;

interface Common {
  readonly task: Task;
  readonly model: Model;
  readonly tokenizer: TextTokenizer;
  /** Which model answers: an embedded default's name (e.g. 'attnscan-llama-tiny'), else the folder's name. */
  readonly modelName: string;
  /** The checkpoint folder loaded. */
  readonly modelDir: string;
  /** True when no folder was given and the task's embedded default model was loaded. */
  readonly isDefaultModel: boolean;
  /** Frees the model (its worker and weights). */
  dispose(): Promise<void>;
}

export interface FeatureExtractionOptions {
  /** Default: the checkpoint's sentence-transformers pooling, else 'mean'. 'none' keeps token embeddings. */
  pooling?: PoolingMode | PoolingMode[] | 'none';
  /** L2-normalise each embedding. Default: true when modules.json lists Normalize, else false. */
  normalize?: boolean;
  /** Truncate longer texts to this many tokens (special tokens kept). Default: sentence_bert_config.json's max_seq_length, else none. */
  maxLength?: number;
  signal?: AbortSignal;
}

export interface FeatureExtractionPipeline extends Common {
  /** [batch, width] pooled embeddings (width = hidden × pooling modes, or the last Dense module's out_features), or [batch, seq, hidden] with pooling 'none' (padded rows zero). */
  (input: string | string[], opts?: FeatureExtractionOptions): Promise<Tensor>;
}

export interface FillMaskResult {
  /** Softmax probability of this token at the mask position. */
  score: number;
  token: number;
  tokenStr: string;
  /** The input with this token in the mask's place (special tokens dropped). */
  sequence: string;
}

export interface FillMaskOptions {
  topK?: number;
  signal?: AbortSignal;
}

export interface FillMaskPipeline extends Common {
  /** One text with one mask: its topK candidates. Several masks: one list per mask (HF's shape). */
  (input: string, opts?: FillMaskOptions): Promise<FillMaskResult[] | FillMaskResult[][]>;
  (input: string[], opts?: FillMaskOptions): Promise<(FillMaskResult[] | FillMaskResult[][])[]>;
}

export interface ClassificationResult {
  label: string;
  score: number;
}

export interface TextClassificationOptions {
  /** How many labels, best first (default 1); null: all. */
  topK?: number | null;
  /** Default: sigmoid for multi-label (problem_type multi_label_classification) or one-label models, else softmax. */
  functionToApply?: 'softmax' | 'sigmoid' | 'none';
  /** Truncate longer texts to this many tokens (special tokens kept). Default: no truncation. */
  maxLength?: number;
  signal?: AbortSignal;
}

export interface TextClassificationPipeline extends Common {
  (input: string, opts?: TextClassificationOptions): Promise<ClassificationResult[]>;
  (input: string[], opts?: TextClassificationOptions): Promise<ClassificationResult[][]>;
}

export interface TextGenerationOptions extends GenerateOptions {
  signal?: AbortSignal;
  /** text-generation: prepend the prompt to generatedText (default true, as HF does). */
  returnFullText?: boolean;
}

export interface GenerationResult {
  generatedText: string;
  /** The new token ids. */
  tokens: number[];
}

export interface GenerationPipeline extends Common {
  (input: string, opts?: TextGenerationOptions): Promise<GenerationResult>;
  (input: string[], opts?: TextGenerationOptions): Promise<GenerationResult[]>;
  /** The new text, piece by piece as tokens arrive (never splitting a character). */
  stream(input: string, opts?: TextGenerationOptions): AsyncIterable<string>;
}

export interface PipelineByTask {
  'feature-extraction': FeatureExtractionPipeline;
  'fill-mask': FillMaskPipeline;
  'text-classification': TextClassificationPipeline;
  'text-generation': GenerationPipeline;
  'text2text-generation': GenerationPipeline;
}
