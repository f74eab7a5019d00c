// Every error answer in OpenAI's shape, { error: { message, type, param, code } }, with a status
// that says whose fault it was. Messages never carry a stack or a file path: input errors keep
// their text with paths masked, anything unexpected becomes a generic 500 (logged in full).
import { AbortError, CapacityError, DTypeError, ShapeError, ValueRangeError } from '../errors.js';

export interface ApiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error with the HTTP status and OpenAI type/code to answer with. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const PATH = /(?:[A-Za-z]:)?(?:[\\/][\w.@+-]+){2,}[\\/]?/g;

export function maskPaths(message: string): string {
  return message.replace(PATH, '<path>');
}

export interface ErrorAnswer {
  status: number;
  body: ApiErrorBody;
  headers: Record<string, string>;
  /** True when the cause should be logged as a server fault. */
  internal: boolean;
}

const body = (message: string, type: string, code: string | null, param: string | null = null): ApiErrorBody => ({
  error: { message: maskPaths(message).slice(0, 2000), type, param, code },
});

export function toErrorAnswer(e: unknown): ErrorAnswer {
  if (e instanceof HttpError) return { status: e.statusCode, body: body(e.message, e.type, e.code, e.param), headers: e.headers, internal: false };
  if (e instanceof CapacityError) {
    const headers: Record<string, string> = {};
    if (e.retryAfterMs !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(e.retryAfterMs / 1000)));
    const status = e.retryAfterMs !== undefined ? 429 : 503;
    return { status, body: body(e.message, status === 429 ? 'rate_limit_error' : 'server_error', 'capacity_exceeded'), headers, internal: false };
  }
  if (e instanceof ValueRangeError || e instanceof ShapeError || e instanceof DTypeError) {
    return { status: 400, body: body(e.message, 'invalid_request_error', e.code), headers: {}, internal: false };
  }
  if (e instanceof AbortError) return { status: 499, body: body('the request was cancelled', 'invalid_request_error', e.code), headers: {}, internal: false };
  const f = e as { statusCode?: number; code?: string; validation?: unknown; message?: string };
  if (Array.isArray(f?.validation)) {
    const v = validationOf(f.validation as AjvError[]);
    return { status: 400, body: body(v.message, 'invalid_request_error', 'invalid_request', v.param), headers: {}, internal: false };
  }
  if (typeof f?.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    return { status: f.statusCode, body: body(clientMessage(f), 'invalid_request_error', f.code ?? null), headers: {}, internal: false };
  }
  return { status: 500, body: body('internal server error', 'server_error', null), headers: {}, internal: true };
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * ajv's first failure as one sentence naming the field ("max_tokens must be integer or null"),
 * with the alternatives of an anyOf gathered instead of listed one error each.
 */
function validationOf(errors: AjvError[]): { message: string; param: string | null } {
  const first = errors[0];
  const path = first?.instancePath.replace(/^\//, '').replaceAll('/', '.') ?? '';
  const field = path || 'the request body';
  const same = errors.filter((e) => e.instancePath === first?.instancePath && e.keyword !== 'anyOf');
  const types = [...new Set(same.filter((e) => e.keyword === 'type').map((e) => String(e.params?.type)))];
  let what: string;
  if (same.length > 1 && types.length === same.length) what = `must be ${types.join(' or ')}`;
  else if (first?.keyword === 'additionalProperties') what = `has an unknown field '${String(first.params?.additionalProperty)}'`;
  else if (first?.keyword === 'required') return { message: `'${String(first.params?.missingProperty)}' is required`, param: String(first.params?.missingProperty) };
  else what = (same.find((e) => e.keyword !== 'type') ?? first)?.message ?? 'is invalid';
  return { message: `${field} ${what}`, param: path || null };
}

function clientMessage(f: { code?: string; message?: string; statusCode?: number }): string {
  switch (f.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'the request body is larger than this server accepts';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'the request body must be application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'the request body is empty; send a JSON object';
    default:
      if (f.statusCode === 400 && f instanceof SyntaxError) return `the request body is not valid JSON (${f.message})`;
      return f.message ?? 'bad request';
  }
}
