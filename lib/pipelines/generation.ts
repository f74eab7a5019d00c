// text-generation (decoder-only: the prompt continues) and text2text-generation (encoder-decoder:
// the input is encoded, the decoder writes a new text). Both stream text through StreamDecoder;
// the non-streaming result is the concatenation of the same pieces, so the two always agree.
import { ValueRangeError } from '../errors.js';
import type { Model } from '../models/model.js';
import type { TaskContext } from './encoders.js';
import { textsOf } from './encoders.js';
import { StreamDecoder } from './stream-decoder.js';
import type { GenerationResult, TextGenerationOptions } from './types.js';

type Step = { token: number; text: string };

function promptIds(c: TaskContext, task: string, text: string): number[] {
  const ids = c.tok.encode(text);
  if (ids.length > 0) return ids;
  // GPT-2 adds no BOS of its own; an empty prompt starts from it, as HF's pipeline does.
  const bos = c.tok.special.bos ?? c.tok.special.eos;
  if (bos === undefined) throw new ValueRangeError(`${task}: the prompt is empty and the tokenizer has no BOS token to start from`);
  return [bos];
}

type ModelOptions = NonNullable<Parameters<Model['generate']>[1]>;

/**
 * generation_config.json's sampling settings, as HF's pipelines apply them: max_new_tokens (or
 * max_length, which counts the prompt of a decoder-only model and the start token of an
 * encoder-decoder's decoder), repetition_penalty, and with do_sample its temperature, top_k
 * (HF's default 50), top_p and min_p. The caller's options override each one.
 */
export function generationDefaults(g: Readonly<Record<string, unknown>> | undefined, kind: Model['kind'], promptLength: number): ModelOptions {
  if (!g) return {};
  const num = (k: string) => (typeof g[k] === 'number' ? (g[k] as number) : undefined);
  const out: ModelOptions = {};
  const maxNew = num('max_new_tokens');
  const maxLength = num('max_length');
  if (maxNew !== undefined) out.maxNewTokens = maxNew;
  else if (maxLength !== undefined) out.maxNewTokens = Math.max(0, maxLength - (kind === 'decoder' ? promptLength : 1));
  if (num('repetition_penalty') !== undefined) out.repetitionPenalty = num('repetition_penalty');
  if (g.do_sample === true) {
    out.temperature = num('temperature') ?? 1;
    out.topK = num('top_k') ?? 50;
    if (num('top_p') !== undefined) out.topP = num('top_p');
    if (num('min_p') !== undefined) out.minP = num('min_p');
  }
  return out;
}

function modelOptions(c: TaskContext, prompt: number[], o: TextGenerationOptions): ModelOptions {
  const { returnFullText: _unused, ...rest } = o;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return { ...generationDefaults(c.model.generationConfig, c.model.kind, prompt.length), ...defined };
}

async function* steps(c: TaskContext, task: string, text: string, o: TextGenerationOptions): AsyncGenerator<Step> {
  const prompt = promptIds(c, task, text);
  // A decoder-only model's text continues the prompt, so the prompt is context for spacing.
  const decoder = new StreamDecoder(c.tok, c.model.kind === 'decoder' ? prompt : []);
  for await (const token of c.model.generate(prompt, modelOptions(c, prompt, o))) yield { token, text: decoder.push(token) };
  const rest = decoder.flush();
  if (rest) yield { token: -1, text: rest };
}

async function one(c: TaskContext, task: string, text: string, o: TextGenerationOptions): Promise<GenerationResult> {
  const tokens: number[] = [];
  let out = '';
  for await (const s of steps(c, task, text, o)) {
    if (s.token >= 0) tokens.push(s.token);
    out += s.text;
  }
  const full = task === 'text-generation' && (o.returnFullText ?? true);
  return { generatedText: full ? text + out : out, tokens };
}

/** The runtime's left-padded batch generation (decoder-only models). */
type BatchGenerator = Pick<Model, 'generateBatch'>;

async function batched(c: TaskContext, g: BatchGenerator, texts: string[], o: TextGenerationOptions): Promise<GenerationResult[]> {
  const prompts = texts.map((t) => promptIds(c, 'text-generation', t));
  const decoders = prompts.map((p) => new StreamDecoder(c.tok, p));
  const tokens = prompts.map((): number[] => []);
  const out = prompts.map(() => '');
  for await (const step of g.generateBatch(prompts, modelOptions(c, prompts.reduce((a, p) => (p.length > a.length ? p : a)), o))) {
    step.forEach((t, b) => {
      if (t === null) return;
      tokens[b].push(t);
      out[b] += decoders[b].push(t);
    });
  }
  const full = o.returnFullText ?? true;
  return texts.map((t, b) => ({ generatedText: (full ? t : '') + out[b] + decoders[b].flush(), tokens: tokens[b] }));
}

export async function generateTexts(c: TaskContext, task: string, input: unknown, o: TextGenerationOptions = {}): Promise<GenerationResult[]> {
  const texts = textsOf(task, input);
  if (c.model.kind === 'decoder' && texts.length > 1) return batched(c, c.model, texts, o);
  // One prompt at a time for encoder-decoders: BART's absolute positions would shift under left
  // padding.
  const results: GenerationResult[] = [];
  for (const t of texts) results.push(await one(c, task, t, o));
  return results;
}

export async function* streamText(c: TaskContext, task: string, input: unknown, o: TextGenerationOptions = {}): AsyncGenerator<string> {
  const [text] = textsOf(task, input);
  if (Array.isArray(input) && input.length !== 1) throw new ValueRangeError(`${task}: stream takes one text, got ${input.length}`);
  for await (const s of steps(c, task, text, o)) if (s.text) yield s.text;
}
