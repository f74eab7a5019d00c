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

export async function runLevel(url: string, concurrency: number, requestsPerStream: number, body: Record<string, unknown>): Promise<LevelResult> {
  const samples: RequestSample[] = [];
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < requestsPerStream; i++) {
        try {
          samples.push(await streamOnce(url, body));
        } catch {
          failed++;
        }
      }
    }),
  );
  const wallS = (performance.now() - t0) / 1000;
  const generatedTokens = samples.reduce((a, s) => a + s.tokens, 0);
  const q = (xs: number[]) => ({ p50: percentile(xs, 50), p99: percentile(xs, 99) });
  return {
    concurrency,
    requests: samples.length,
    failed,
    wallS,
    generatedTokens,
    aggregateTokensPerS: generatedTokens / wallS,
    ttftMs: q(samples.map((s) => s.ttftMs)),
    latencyMs: q(samples.map((s) => s.latencyMs)),
  };
}

/** N concurrent clients posting /v1/embeddings back to back: requests/s and latency. */
export async function runEmbedLevel(url: string, concurrency: number, requestsPerStream: number, body: Record<string, unknown>): Promise<EmbedLevelResult> {
  const latencies: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < requestsPerStream; i++) {
        const s = performance.now();
        const r = await fetch(`${url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).catch(() => undefined);
        if (r?.status === 200) {
          await r.arrayBuffer();
          latencies.push(performance.now() - s);
        } else failed++;
      }
    }),
  );
  const wallS = (performance.now() - t0) / 1000;
  return { concurrency, requests: latencies.length, failed, wallS, requestsPerS: latencies.length / wallS, latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) } };
}
