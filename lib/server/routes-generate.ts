// POST /v1/completions and /v1/chat/completions: OpenAI's request and response shapes over
// runCompletion, as one JSON answer or as server-sent events ending with `data: [DONE]`.
import { randomUUID } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { chatPromptIds, type ChatMessage } from './chat-template.js';
import type { ServerContext } from './context.js';
import { HttpError, toErrorAnswer } from './errors.js';
import { type CompletionParams, type FinishReason, type Piece, runCompletion } from './generation.js';
import { chatSchema, completionSchema } from './schemas.js';
import type { ServedModel } from './served.js';
import { SseWriter } from './sse.js';

interface SamplingBody {
  model?: string;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number;
  repetition_penalty?: number;
  ignore_eos?: boolean;
  seed?: number | null;
  n?: number | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  stop?: string | string[] | null;
}
interface CompletionBody extends SamplingBody {
  prompt: string | string[] | number[] | number[][];
}
interface ChatBody extends SamplingBody {
  messages: { role: string; content: string | { type: 'text'; text: string }[] | null; name?: string }[];
}

/** Writes stall this long on a reader that stopped reading before the stream is dropped. */
const STALL_MS = 30_000;

function promptOf(s: ServedModel, p: CompletionBody['prompt']): number[] {
  const one = Array.isArray(p) && (typeof p[0] === 'string' || Array.isArray(p[0])) ? p[0] : p;
  if (Array.isArray(one)) return one as number[];
  const ids = s.tok.encode(one as string);
  if (ids.length > 0) return ids;
  const bos = s.tok.special.bos ?? s.tok.special.eos;
  if (bos === undefined) throw new HttpError(400, 'the prompt is empty and the model has no BOS token to start from', 'invalid_request_error', null, 'prompt');
  return [bos];
}

function messagesOf(body: ChatBody): ChatMessage[] {
  return body.messages.map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? m.content : (m.content ?? []).map((part) => part.text).join(''),
    ...(m.name !== undefined && { name: m.name }),
  }));
}

function paramsOf(ctx: ServerContext, s: ServedModel, body: SamplingBody, promptLength: number, defaultMax: number): CompletionParams {
  if ((body.n ?? 1) !== 1) throw new HttpError(400, 'n must be 1: this server returns one choice per request', 'invalid_request_error', 'unsupported_value', 'n');
  if (promptLength > ctx.limits.maxPromptTokens) {
    throw new HttpError(400, `the prompt has ${promptLength} tokens; this server accepts at most ${ctx.limits.maxPromptTokens}`, 'invalid_request_error', 'context_length_exceeded', 'prompt');
  }
  const asked = body.max_tokens ?? body.max_completion_tokens ?? undefined;
  if (asked !== undefined && asked > ctx.limits.maxTokens) {
    throw new HttpError(400, `max_tokens is ${asked}; this server allows at most ${ctx.limits.maxTokens}`, 'invalid_request_error', 'max_tokens_exceeded', 'max_tokens');
  }
  let maxTokens = asked ?? Math.min(defaultMax, ctx.limits.maxTokens);
  if (s.contextLength !== undefined) {
    const room = s.contextLength - promptLength;
    if (room <= 0 || (asked !== undefined && asked > room)) {
      throw new HttpError(400, `model '${s.name}' has a context of ${s.contextLength} tokens; the prompt has ${promptLength} and max_tokens asks for ${maxTokens}`, 'invalid_request_error', 'context_length_exceeded', 'max_tokens');
    }
    maxTokens = Math.min(maxTokens, room);
  }
  const stop = body.stop == null ? [] : [body.stop].flat();
  return {
    maxTokens,
    temperature: body.temperature ?? 1,
    ...(body.top_p != null && { topP: body.top_p }),
    ...(body.top_k !== undefined && { topK: body.top_k }),
    ...(body.repetition_penalty !== undefined && { repetitionPenalty: body.repetition_penalty }),
    ...(body.seed != null && { seed: body.seed >>> 0 }),
    stop,
    ...(body.ignore_eos && { ignoreEos: true }),
  };
}

type Shape = {
  object: string;
  chunkObject: string;
  idPrefix: string;
  choice(text: string, finish: FinishReason | null): Record<string, unknown>;
  delta(text: string, finish: FinishReason | null, first: boolean): Record<string, unknown>;
};

const TEXT: Shape = {
  object: 'text_completion',
  chunkObject: 'text_completion',
  idPrefix: 'cmpl-',
  choice: (text, finish) => ({ index: 0, text, logprobs: null, finish_reason: finish }),
  delta: (text, finish) => ({ index: 0, text, logprobs: null, finish_reason: finish }),
};

const CHAT: Shape = {
  object: 'chat.completion',
  chunkObject: 'chat.completion.chunk',
  idPrefix: 'chatcmpl-',
  choice: (text, finish) => ({ index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: finish }),
  delta: (text, finish, first) => ({ index: 0, delta: first ? { role: 'assistant', content: text } : finish && !text ? {} : { content: text }, logprobs: null, finish_reason: finish }),
};

async function generate(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply, shape: Shape, s: ServedModel, prompt: number[], body: SamplingBody, defaultMax: number): Promise<unknown> {
  const params = paramsOf(ctx, s, body, prompt.length, defaultMax);
  const release = ctx.admit(req);
  const cancel = ctx.cancellation(req, reply);
  const m = ctx.metrics;
  const started = performance.now();
  let waiting = true;
  const stopWaiting = () => {
    if (!waiting) return;
    waiting = false;
    m.bump(m.waitingFirstToken, s.name, -1);
  };
  m.bump(m.active, s.name, 1);
  m.bump(m.waitingFirstToken, s.name, 1);
  m.promptTokens.inc({ model: s.name }, prompt.length);
  const run = runCompletion(s, prompt, params, cancel.signal, () => {
    if (waiting) m.ttft.observe({ model: s.name }, (performance.now() - started) / 1000);
    stopWaiting();
    m.tokenGenerated(s.name);
  });
  const id = shape.idPrefix + randomUUID().replaceAll('-', '');
  const created = Math.floor(Date.now() / 1000);
  // OpenAI's field order: id, object, created, model, then the rest.
  const head = (object: string) => ({ id, object, created, model: s.name });
  const usage = () => ({ prompt_tokens: prompt.length, completion_tokens: run.completionTokens, total_tokens: prompt.length + run.completionTokens });
  try {
    // The first piece comes before any header, so a refusal (capacity, bad ids) is still a status code.
    const first = await run.pieces.next();
    if (!body.stream) {
      let text = '';
      let finish: FinishReason = 'stop';
      for (let r = first; !r.done; r = await run.pieces.next()) {
        text += r.value.text;
        if (r.value.finishReason) finish = r.value.finishReason;
      }
      return { ...head(shape.object), choices: [shape.choice(text, finish)], usage: usage() };
    }
    reply.hijack();
    const sse = new SseWriter(reply.raw, STALL_MS);
    sse.open();
    try {
      let isFirst = true;
      const chunk = (p: Piece) => ({ ...head(shape.chunkObject), choices: [shape.delta(p.text, p.finishReason ?? null, isFirst)] });
      for (let r = first; !r.done; r = await run.pieces.next()) {
        const parts: Piece[] = r.value.finishReason && r.value.text ? [{ text: r.value.text }, { text: '', finishReason: r.value.finishReason }] : [r.value];
        for (const p of parts) {
          if (!p.text && !p.finishReason && !isFirst) continue;
          if (!(await sse.send(chunk(p)))) return undefined;
          isFirst = false;
        }
      }
      if (body.stream_options?.include_usage) await sse.send({ ...head(shape.chunkObject), choices: [], usage: usage() });
      await sse.done();
    } catch (e) {
      if (!sse.closed) {
        const a = toErrorAnswer(e);
        if (a.internal) req.log.error({ err: e }, 'generation failed mid-stream');
        await sse.send(a.body);
        await sse.done();
      }
    }
    return undefined;
  } finally {
    await run.pieces.return(undefined);
    stopWaiting();
    m.bump(m.active, s.name, -1);
    cancel.done();
    release();
  }
}

export function generationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: CompletionBody }>('/v1/completions', { schema: { body: completionSchema } }, async (req, reply) => {
    const s = ctx.resolve(req.body.model, 'generate');
    return generate(ctx, req, reply, TEXT, s, promptOf(s, req.body.prompt), req.body, 16);
  });
  app.post<{ Body: ChatBody }>('/v1/chat/completions', { schema: { body: chatSchema } }, async (req, reply) => {
    const s = ctx.resolve(req.body.model, 'generate');
    return generate(ctx, req, reply, CHAT, s, chatPromptIds(s, messagesOf(req.body)), req.body, 512);
  });
}
