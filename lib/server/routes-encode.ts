// POST /v1/embeddings (OpenAI's shape) and POST /v1/classify: one padded forward pass per request
// through the pipelines' encoder tasks, cancelled when the client goes away.
import type { FastifyInstance } from 'fastify';

import { featureExtraction, textClassification } from '../pipelines/encoders.js';
import type { ServerContext } from './context.js';
import { HttpError } from './errors.js';
import { classifySchema, embeddingSchema } from './schemas.js';
import { taskContext } from './served.js';

interface EmbeddingBody {
  model?: string;
  input: string | string[];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
}
interface ClassifyBody {
  model?: string;
  input: string | string[];
  top_k?: number | null;
}

function textsOf(ctx: ServerContext, input: string | string[]): string[] {
  const texts = [input].flat();
  if (texts.length > ctx.limits.maxInputs) throw new HttpError(400, `input has ${texts.length} texts; at most ${ctx.limits.maxInputs} per request`, 'invalid_request_error', null, 'input');
  return texts;
}

function base64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

export function encoderRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: EmbeddingBody }>('/v1/embeddings', { schema: { body: embeddingSchema } }, async (req, reply) => {
    const s = ctx.resolve(req.body.model, 'embed');
    const texts = textsOf(ctx, req.body.input);
    const counts = texts.map((t) => s.tok.encode(t).length);
    const tooLong = counts.findIndex((n) => n > ctx.limits.maxPromptTokens);
    if (tooLong >= 0) throw new HttpError(400, `input ${tooLong} has ${counts[tooLong]} tokens; at most ${ctx.limits.maxPromptTokens}`, 'invalid_request_error', 'context_length_exceeded', 'input');
    const release = ctx.admit(req);
    const cancel = ctx.cancellation(req, reply);
    try {
      const out = await featureExtraction(taskContext(s), s.pooling, texts, { signal: cancel.signal });
      const width = out.dims[1];
      if (req.body.dimensions !== undefined && req.body.dimensions !== width) {
        throw new HttpError(400, `model '${s.name}' gives ${width}-dimensional embeddings; dimensions ${req.body.dimensions} is not supported`, 'invalid_request_error', 'unsupported_value', 'dimensions');
      }
      const data = out.data as Float32Array;
      const promptTokens = counts.reduce((a, b) => a + b, 0);
      ctx.metrics.promptTokens.inc({ model: s.name }, promptTokens);
      return {
        object: 'list',
        model: s.name,
        data: texts.map((_, i) => {
          const row = data.subarray(i * width, (i + 1) * width);
          return { object: 'embedding', index: i, embedding: req.body.encoding_format === 'base64' ? base64(row) : Array.from(row) };
        }),
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      };
    } finally {
      cancel.done();
      release();
    }
  });

  app.post<{ Body: ClassifyBody }>('/v1/classify', { schema: { body: classifySchema } }, async (req, reply) => {
    const s = ctx.resolve(req.body.model, 'classify');
    const texts = textsOf(ctx, req.body.input);
    const release = ctx.admit(req);
    const cancel = ctx.cancellation(req, reply);
    try {
      const results = await textClassification(taskContext(s), texts, { topK: req.body.top_k ?? null, maxLength: ctx.limits.maxPromptTokens, signal: cancel.signal });
      return { object: 'list', model: s.name, data: results.map((labels, index) => ({ index, labels })) };
    } finally {
      cancel.done();
      release();
    }
  });
}
