// JSON schemas of the request bodies (fastify validates with ajv before a handler runs). Unknown
// OpenAI fields are accepted and ignored; what we cannot honour (n > 1) is refused in the handler
// with a message that says so.
const stop = {
  anyOf: [
    { type: 'string', minLength: 1, maxLength: 256 },
    { type: 'array', maxItems: 4, items: { type: 'string', minLength: 1, maxLength: 256 } },
    { type: 'null' },
  ],
};

const sampling = {
  model: { type: 'string', minLength: 1, maxLength: 256 },
  max_tokens: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'null' }] },
  max_completion_tokens: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'null' }] },
  temperature: { anyOf: [{ type: 'number', minimum: 0, maximum: 2 }, { type: 'null' }] },
  top_p: { anyOf: [{ type: 'number', exclusiveMinimum: 0, maximum: 1 }, { type: 'null' }] },
  top_k: { type: 'integer', minimum: 0 },
  repetition_penalty: { type: 'number', exclusiveMinimum: 0 },
  /** vLLM's extension: keep generating past EOS (benchmarks). */
  ignore_eos: { type: 'boolean' },
  seed: { anyOf: [{ type: 'integer', minimum: -2147483648, maximum: 4294967295 }, { type: 'null' }] },
  n: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] },
  stream: { anyOf: [{ type: 'boolean' }, { type: 'null' }] },
  stream_options: { anyOf: [{ type: 'object', properties: { include_usage: { type: 'boolean' } } }, { type: 'null' }] },
  stop,
};

const tokenIds = { type: 'array', minItems: 1, items: { type: 'integer', minimum: 0 } };

export const completionSchema = {
  type: 'object',
  required: ['prompt'],
  properties: {
    ...sampling,
    prompt: {
      anyOf: [
        { type: 'string' },
        { type: 'array', minItems: 1, maxItems: 1, items: { type: 'string' } },
        tokenIds,
        { type: 'array', minItems: 1, maxItems: 1, items: tokenIds },
      ],
    },
  },
} as const;

const textPart = { type: 'object', required: ['type', 'text'], properties: { type: { const: 'text' }, text: { type: 'string' } } };

export const chatSchema = {
  type: 'object',
  required: ['messages'],
  properties: {
    ...sampling,
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: 1024,
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: {
          role: { enum: ['system', 'developer', 'user', 'assistant', 'tool'] },
          content: { anyOf: [{ type: 'string' }, { type: 'array', maxItems: 256, items: textPart }, { type: 'null' }] },
          name: { type: 'string', maxLength: 256 },
        },
      },
    },
  },
} as const;

const texts = {
  anyOf: [
    { type: 'string' },
    { type: 'array', minItems: 1, maxItems: 256, items: { type: 'string' } },
  ],
};

export const embeddingSchema = {
  type: 'object',
  required: ['input'],
  properties: {
    model: sampling.model,
    input: texts,
    encoding_format: { enum: ['float', 'base64'] },
    dimensions: { type: 'integer', minimum: 1 },
  },
} as const;

export const classifySchema = {
  type: 'object',
  required: ['input'],
  properties: {
    model: sampling.model,
    input: texts,
    top_k: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] },
  },
} as const;
