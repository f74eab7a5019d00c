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

function modelOptions(o: TextGenerationOptions): Parameters<Model['generate']>[1] {
  const { returnFullText: _unused, ...rest } = o;
  return rest;
}

async function* steps(c: TaskContext, task: string, text: string, o: TextGenerationOptions): AsyncGenerator<Step> {
  const prompt = promptIds(c, task, text);
  // A decoder-only model's text continues the prompt, so the prompt is context for spacing.
  const decoder = new StreamDecoder(c.tok, c.model.kind === 'decoder' ? prompt : []);
  for await (const token of c.model.generate(prompt, modelOptions(o))) yield { token, text: decoder.push(token) };
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

/** The runtime's left-padded batch generation (decoder-only), when this Model has it. */
interface BatchGenerator {
  generateBatch(prompts: number[][], o: Parameters<Model['generate']>[1]): AsyncIterable<(number | null)[]>;
}

function batchGeneratorOf(m: Model): BatchGenerator | undefined {
  const g = (m as unknown as Partial<BatchGenerator>).generateBatch;
  return m.kind === 'decoder' && typeof g === 'function' ? (m as unknown as BatchGenerator) : undefined;
}

async function batched(c: TaskContext, g: BatchGenerator, texts: string[], o: TextGenerationOptions): Promise<GenerationResult[]> {
  const prompts = texts.map((t) => promptIds(c, 'text-generation', t));
  const decoders = prompts.map((p) => new StreamDecoder(c.tok, p));
  const tokens = prompts.map((): number[] => []);
  const out = prompts.map(() => '');
  for await (const step of g.generateBatch(prompts, modelOptions(o))) {
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
  const g = batchGeneratorOf(c.model);
  if (g && texts.length > 1) return batched(c, g, texts, o);
  // One prompt at a time: encoder-decoders (BART's absolute positions would shift under left
  // padding) and runtimes without batch generation.
  const results: GenerationResult[] = [];
  for (const t of texts) results.push(await one(c, task, t, o));
  return results;
}

export async function* streamText(c: TaskContext, task: string, input: unknown, o: TextGenerationOptions = {}): AsyncGenerator<string> {
  const [text] = textsOf(task, input);
  if (Array.isArray(input) && input.length !== 1) throw new ValueRangeError(`${task}: stream takes one text, got ${input.length}`);
  for await (const s of steps(c, task, text, o)) if (s.text) yield s.text;
}
