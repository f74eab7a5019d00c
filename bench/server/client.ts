// The load client: N concurrent streams against /v1/completions (fetch over loopback), each
// sending its requests back to back; per request the time to the first token and to [DONE], and
// the generated token count from the usage chunk.

export interface RequestSample {
  ttftMs: number;
  latencyMs: number;
  tokens: number;
}

export interface LevelResult {
  concurrency: number;
  requests: number;
  failed: number;
  wallS: number;
  generatedTokens: number;
  aggregateTokensPerS: number;
  ttftMs: { p50: number; p99: number };
  latencyMs: { p50: number; p99: number };
}

export interface EmbedLevelResult {
  concurrency: number;
  requests: number;
  failed: number;
  wallS: number;
  requestsPerS: number;
  latencyMs: { p50: number; p99: number };
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

async function streamOnce(url: string, body: Record<string, unknown>): Promise<RequestSample> {
  const t0 = performance.now();
  const r = await fetch(`${url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
  });
  if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${(await r.text()).slice(0, 200)}`);
  const reader = r.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let ttft = NaN;
  let tokens = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let at: number;
    while ((at = buf.indexOf('\n\n')) >= 0) {
      const event = buf.slice(0, at);
      buf = buf.slice(at + 2);
      if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
      const chunk = JSON.parse(event.slice(6)) as { choices: unknown[]; usage?: { completion_tokens: number } };
      if (Number.isNaN(ttft) && chunk.choices.length > 0) ttft = performance.now() - t0;
      if (chunk.usage) tokens = chunk.usage.completion_tokens;
    }
  }
  return { ttftMs: ttft, latencyMs: performance.now() - t0, tokens };
}

/** `concurrency` clients, each running `perClient` requests back to back; the samples of those that succeeded. */
async function clients<T>(concurrency: number, perClient: number, one: () => Promise<T>): Promise<{ samples: T[]; failed: number; wallS: number }> {
  const samples: T[] = [];
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < perClient; i++) {
        try {
          samples.push(await one());
        } catch {
          failed++;
        }
      }
    }),
  );
  return { samples, failed, wallS: (performance.now() - t0) / 1000 };
}

const quantiles = (xs: number[]) => ({ p50: percentile(xs, 50), p99: percentile(xs, 99) });

export async function runLevel(url: string, concurrency: number, requestsPerStream: number, body: Record<string, unknown>): Promise<LevelResult> {
  const { samples, failed, wallS } = await clients(concurrency, requestsPerStream, () => streamOnce(url, body));
  const generatedTokens = samples.reduce((a, s) => a + s.tokens, 0);
  return {
    concurrency,
    requests: samples.length,
    failed,
    wallS,
    generatedTokens,
    aggregateTokensPerS: generatedTokens / wallS,
    ttftMs: quantiles(samples.map((s) => s.ttftMs)),
    latencyMs: quantiles(samples.map((s) => s.latencyMs)),
  };
}

async function embedOnce(url: string, body: Record<string, unknown>): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(`${url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
  return performance.now() - t0;
}

/** N concurrent clients posting /v1/embeddings back to back: requests/s and latency. */
export async function runEmbedLevel(url: string, concurrency: number, requestsPerClient: number, body: Record<string, unknown>): Promise<EmbedLevelResult> {
  const { samples, failed, wallS } = await clients(concurrency, requestsPerClient, () => embedOnce(url, body));
  return { concurrency, requests: samples.length, failed, wallS, requestsPerS: samples.length / wallS, latencyMs: quantiles(samples) };
}
