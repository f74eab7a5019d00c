// The soak's requests and its per-window accounting. Four kinds against the served models:
// a plain completion, a streamed completion (SSE to [DONE]), an embeddings call, and a streamed
// completion the client abandons after its first token (the server must cancel it and free its
// cache). Every finished request leaves a sample in the current window; take() closes the window.
import { percentile } from '../server/client.js';

export type Kind = 'complete' | 'stream' | 'embed' | 'cancel';
export const KINDS: Kind[] = ['complete', 'stream', 'embed', 'cancel'];

export interface Sample {
  kind: Kind;
  ok: boolean;
  /** HTTP status (0: the connection failed). */
  status: number;
  latencyMs: number;
  /** Streams: time to the first token. */
  ttftMs?: number;
  tokens: number;
}

export interface Targets {
  url: string;
  genModel?: string;
  embedModel?: string;
  maxTokens: number;
}

const PROMPTS = [
  'Once upon a time',
  'The quick brown fox jumps over the lazy dog and then',
  'In the beginning the model knew nothing, and after many steps of training it',
  'Numbers: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16',
  'A very short one',
  'The weather today is cloudy with a chance of rain, said the radio, while the kettle boiled and the cat',
];
const TEXTS = ['hello world', 'The soak test embeds this sentence again and again.', 'short', 'A longer passage of text that the encoder has to read in full before it pools the hidden states into one vector.'];

/** A mix like "complete=4,stream=3,embed=2,cancel=1" as cumulative weights. */
export function parseMix(s: string): [Kind, number][] {
  const out: [Kind, number][] = [];
  for (const part of s.split(',')) {
    const [k, w] = part.split('=');
    if (!KINDS.includes(k as Kind) || !(Number(w) >= 0)) throw new Error(`--mix: bad entry '${part}' (kinds: ${KINDS.join(', ')})`);
    out.push([k as Kind, Number(w)]);
  }
  return out;
}

export function pick(mix: [Kind, number][], u: number): Kind {
  const total = mix.reduce((a, [, w]) => a + w, 0);
  let x = u * total;
  for (const [k, w] of mix) if ((x -= w) < 0) return k;
  return mix[mix.length - 1][0];
}

async function post(url: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
}

/** Reads SSE events until [DONE] (or, with `abandon`, until the first token, then disconnects). */
async function stream(t: Targets, i: number, abandon: boolean): Promise<Omit<Sample, 'kind' | 'latencyMs'>> {
  const ac = new AbortController();
  const r = await post(`${t.url}/v1/completions`, { model: t.genModel, prompt: PROMPTS[i % PROMPTS.length], max_tokens: t.maxTokens, temperature: 0.8, seed: i, stream: true, stream_options: { include_usage: true } }, ac.signal);
  if (r.status !== 200) return { ok: false, status: r.status, tokens: (await r.text(), 0) };
  const t0 = performance.now();
  const reader = r.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let ttftMs: number | undefined;
  let tokens = 0;
  let done = false;
  try {
    while (!done) {
      const { value, done: end } = await reader.read();
      if (end) break;
      buf += dec.decode(value, { stream: true });
      for (let at = buf.indexOf('\n\n'); at >= 0; at = buf.indexOf('\n\n')) {
        const event = buf.slice(0, at);
        buf = buf.slice(at + 2);
        if (event === 'data: [DONE]') done = true;
        if (!event.startsWith('data: {')) continue;
        const chunk = JSON.parse(event.slice(6)) as { choices: unknown[]; usage?: { completion_tokens: number } };
        if (ttftMs === undefined && chunk.choices.length > 0) ttftMs = performance.now() - t0;
        if (chunk.usage) tokens = chunk.usage.completion_tokens;
      }
      if (abandon && ttftMs !== undefined) {
        ac.abort();
        return { ok: true, status: 200, ttftMs, tokens: 1 };
      }
    }
  } finally {
    reader.releaseLock();
  }
  return { ok: done, status: 200, ttftMs, tokens };
}

/** One request of `kind`; never throws (a failure is a sample with ok false). */
export async function request(t: Targets, kind: Kind, i: number): Promise<Sample> {
  const t0 = performance.now();
  let r: Omit<Sample, 'kind' | 'latencyMs'>;
  try {
    if (kind === 'embed') {
      const input = i % 3 === 0 ? TEXTS : TEXTS[i % TEXTS.length];
      const res = await post(`${t.url}/v1/embeddings`, { model: t.embedModel, input });
      const body = (await res.json()) as { data?: unknown[] };
      r = { ok: res.status === 200 && Array.isArray(body.data), status: res.status, tokens: 0 };
    } else if (kind === 'complete') {
      const res = await post(`${t.url}/v1/completions`, { model: t.genModel, prompt: PROMPTS[i % PROMPTS.length], max_tokens: t.maxTokens, temperature: 0.8, seed: i });
      const body = (await res.json()) as { usage?: { completion_tokens: number } };
      r = { ok: res.status === 200, status: res.status, tokens: body.usage?.completion_tokens ?? 0 };
    } else {
      r = await stream(t, i, kind === 'cancel');
    }
  } catch {
    r = { ok: false, status: 0, tokens: 0 };
  }
  return { kind, latencyMs: performance.now() - t0, ...r };
}

export interface WindowStats {
  requests: number;
  failed: number;
  /** Answers with status 429/503 (refused for capacity), counted in failed too. */
  refused: number;
  tokens: number;
  p50Ms: number;
  p99Ms: number;
  /** p99 per kind (latency; for streams the whole stream; ttft separately). */
  byKindP99Ms: Record<Kind, number>;
  ttftP99Ms: number;
}

/** Samples of the current window; take() returns its statistics and starts the next. */
export class Window {
  private samples: Sample[] = [];

  add(s: Sample): void {
    this.samples.push(s);
  }

  take(): WindowStats {
    const s = this.samples;
    this.samples = [];
    const ok = s.filter((x) => x.ok);
    // The abandoned streams' latency is only their time to first token: kept out of the p50/p99.
    const whole = ok.filter((x) => x.kind !== 'cancel');
    const lat = whole.map((x) => x.latencyMs);
    const byKindP99Ms = Object.fromEntries(KINDS.map((k) => [k, percentile(ok.filter((x) => x.kind === k).map((x) => (k === 'cancel' ? x.ttftMs! : x.latencyMs)), 99)])) as Record<Kind, number>;
    return {
      requests: s.length,
      failed: s.length - ok.length,
      refused: s.filter((x) => x.status === 429 || x.status === 503).length,
      tokens: ok.reduce((a, x) => a + x.tokens, 0),
      p50Ms: percentile(lat, 50),
      p99Ms: percentile(lat, 99),
      byKindP99Ms,
      ttftP99Ms: percentile(ok.filter((x) => x.ttftMs !== undefined).map((x) => x.ttftMs!), 99),
    };
  }
}
