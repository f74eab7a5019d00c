// attnscan's OpenAI-compatible HTTP server (fastify): `attnscan serve`, or embedded in an app.
export { createServer, type AttnscanServer, type ServerOptions } from './app.js';
export { DEFAULT_LIMITS, type Limits } from './context.js';
export { loadServed, parseModelSpec, type ModelSpec, type ServedModel } from './served.js';
export { FALLBACK_TEMPLATE } from './chat-template.js';
