// The HTTP server on loopback with tiny seeded fixture models: OpenAI shapes, greedy output equal
// to model.generate, streaming order and [DONE], stops, auth and limits, cancellation on
// disconnect, capacity refusals, metrics, and robustness against malformed, huge, slow and bursty clients.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CapacityError } from '../../lib/errors.js';
import { featureExtraction } from '../../lib/pipelines/encoders.js';
import { type ServedModel, taskContext } from '../../lib/server/served.js';
import { fixtureWithTokenizer } from '../helpers/pipeline-fixtures.js';
import { listen, post, type Running, serve, slowModel, sseData, until } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'attnscan-server-'));
let llama: ServedModel;
let mamba: ServedModel;
let bert: ServedModel;
let templated: ServedModel;
let srv: Running;
let release!: () => void;
const gate = new Promise<void>((r) => (release = r));
let slow: ReturnType<typeof slowModel>;

beforeAll(async () => {
  const withTemplate = fixtureWithTokenizer(tmp, 'llama');
  writeFileSync(
    join(withTemplate, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'PreTrainedTokenizerFast', bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>',
      chat_template: "{{ bos_token }}{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}",
    }),
  );
  [llama, mamba, bert, templated] = await Promise.all([
    serve('llama', fixtureWithTokenizer(tmp, 'llama')),
    serve('mamba', fixtureWithTokenizer(tmp, 'mamba')),
    serve('bert', fixtureWithTokenizer(tmp, 'bert-cls')),
    serve('templated', withTemplate),
  ]);
  slow = slowModel(llama, 'slow', { gate, delayMs: 5 });
  const busy = slowModel(llama, 'busy', { fail: () => new CapacityError('the queue is full', 1500) });
  const full = slowModel(llama, 'full', { fail: () => new CapacityError('no cache budget left') });
  // A model reporting scheduler counters, as Model.stats() does once the scheduler is in.
  const stats = { ...mamba, name: 'stats', model: Object.assign(Object.create(mamba.model) as object, { stats: () => ({ queuedRequests: 3, activeSequences: 2, decodeStepMs: 1.5 }) }) } as unknown as ServedModel;
  srv = await listen({
    models: [llama, mamba, bert, templated, slow.served, busy.served, full.served, stats],
    limits: { maxTokens: 40, maxPromptTokens: 100, maxStreamsPerClient: 3, bodyLimit: 64 * 1024 },
  });
});
afterAll(async () => {
  release?.();
  await srv?.server.close();
  await Promise.all([llama, mamba, bert, templated].map((s) => s?.model.dispose()));
  rmSync(tmp, { recursive: true, force: true });
});

/** model.generate's greedy continuation (stopping at EOS as the server does), decoded. */
async function greedy(s: ServedModel, ids: number[], n: number): Promise<{ text: string; finish: string; count: number }> {
  const out: number[] = [];
  for await (const t of s.model.generate(ids, { maxNewTokens: n })) out.push(t);
  const eos = out.length > 0 && s.model.eosTokenIds.includes(out[out.length - 1]);
  const full = s.tok.decode([...ids, ...out], { skipSpecialTokens: true });
  return { text: full.slice(s.tok.decode(ids, { skipSpecialTokens: true }).length), finish: eos || out.length < n ? 'stop' : 'length', count: out.length };
}

async function stream(url: string, body: unknown): Promise<{ status: number; data: string[] }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...(body as object), stream: true }) });
  return { status: r.status, data: sseData(await r.text()) };
}

describe('endpoints', () => {
  it('GET /health and /v1/models', async () => {
    expect(await (await fetch(`${srv.url}/health`)).json()).toEqual({ status: 'ok', models: ['llama', 'mamba', 'bert', 'templated', 'slow', 'busy', 'full', 'stats'] });
    const m = (await (await fetch(`${srv.url}/v1/models`)).json()) as { object: string; data: { id: string }[] };
    expect(m.object).toBe('list');
    expect(m.data[0]).toMatchObject({ id: 'llama', object: 'model', owned_by: 'attnscan' });
  });

  it.each(['llama', 'mamba'])('greedy /v1/completions on %s equals model.generate, as JSON and as SSE', async (name) => {
    const s = name === 'llama' ? llama : mamba;
    const ids = s.tok.encode('Hello there');
    const want = await greedy(s, ids, 12);
    const r = await post(`${srv.url}/v1/completions`, { model: name, prompt: 'Hello there', max_tokens: 12, temperature: 0 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ object: 'text_completion', model: name, choices: [{ index: 0, text: want.text, finish_reason: want.finish }] });
    expect(r.json.usage).toEqual({ prompt_tokens: ids.length, completion_tokens: want.count, total_tokens: ids.length + want.count });
    // Token ids as the prompt give the same answer.
    expect((await post(`${srv.url}/v1/completions`, { model: name, prompt: ids, max_tokens: 12, temperature: 0 })).json.choices[0].text).toBe(want.text);

    const st = await stream(`${srv.url}/v1/completions`, { model: name, prompt: 'Hello there', max_tokens: 12, temperature: 0, stream_options: { include_usage: true } });
    expect(st.status).toBe(200);
    expect(st.data[st.data.length - 1]).toBe('[DONE]');
    const chunks = st.data.slice(0, -1).map((d) => JSON.parse(d));
    const usage = chunks.pop();
    expect(usage.usage.completion_tokens).toBe(want.count);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.map((c) => c.choices[0].text).join('')).toBe(want.text);
    expect(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null)).toBe(true);
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe(want.finish);
  });

  it('stop strings end the text before them, streaming or not; seeded sampling repeats', async () => {
    const full = (await post(`${srv.url}/v1/completions`, { model: 'llama', prompt: 'abc', max_tokens: 30, temperature: 0 })).json.choices[0].text as string;
    const chars = [...full];
    expect(chars.length).toBeGreaterThan(6);
    const stop = chars.slice(4, 6).join('');
    const before = full.slice(0, full.indexOf(stop));
    const r = await post(`${srv.url}/v1/completions`, { model: 'llama', prompt: 'abc', max_tokens: 30, temperature: 0, stop: [stop, 'never-there'] });
    expect(r.json.choices[0]).toMatchObject({ text: before, finish_reason: 'stop' });
    const st = await stream(`${srv.url}/v1/completions`, { model: 'llama', prompt: 'abc', max_tokens: 30, temperature: 0, stop });
    expect(st.data.slice(0, -1).map((d) => JSON.parse(d).choices[0].text).join('')).toBe(before);

    const sampled = { model: 'mamba', prompt: 'x', max_tokens: 10, temperature: 0.9, top_p: 0.9, seed: 42 };
    const a = await post(`${srv.url}/v1/completions`, sampled);
    expect((await post(`${srv.url}/v1/completions`, sampled)).json.choices[0].text).toBe(a.json.choices[0].text);
  });

  it('chat completions render the checkpoint template (or the fallback) and stream deltas', async () => {
    const messages = [{ role: 'system', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'hi' }] }];
    const rendered = '<s>[system] be brief\n[user] hi\n[assistant]';
    const ids = templated.tok.encode(rendered, { addSpecialTokens: false });
    const want = await greedy(templated, ids, 8);
    const r = await post(`${srv.url}/v1/chat/completions`, { model: 'templated', messages, max_tokens: 8, temperature: 0 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ object: 'chat.completion', choices: [{ message: { role: 'assistant', content: want.text }, finish_reason: want.finish }] });
    expect(r.json.usage.prompt_tokens).toBe(ids.length);

    const fallback = llama.tok.encode('system: be brief\nuser: hi\nassistant:');
    expect((await post(`${srv.url}/v1/chat/completions`, { model: 'llama', messages, max_tokens: 4, temperature: 0 })).json.usage.prompt_tokens).toBe(fallback.length);

    const st = await stream(`${srv.url}/v1/chat/completions`, { model: 'templated', messages, max_tokens: 8, temperature: 0 });
    const chunks = st.data.slice(0, -1).map((d) => JSON.parse(d));
    expect(st.data[st.data.length - 1]).toBe('[DONE]');
    expect(chunks[0].object).toBe('chat.completion.chunk');
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe(want.text);
  });

  it('embeddings equal the feature-extraction pipeline; classify gives labels', async () => {
    const r = await post(`${srv.url}/v1/embeddings`, { model: 'bert', input: ['hello', 'two words'] });
    expect(r.status).toBe(200);
    const want = await featureExtraction(taskContext(bert), bert.pooling, ['hello', 'two words']);
    const w = want.dims[1];
    expect(r.json.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
    r.json.data.forEach((d: { embedding: number[] }, i: number) => expect(Float32Array.from(d.embedding)).toEqual(want.data.subarray(i * w, (i + 1) * w)));
    const b64 = await post(`${srv.url}/v1/embeddings`, { model: 'bert', input: 'hello', encoding_format: 'base64' });
    const bytes = Buffer.from(b64.json.data[0].embedding, 'base64');
    expect(new Float32Array(bytes.buffer, bytes.byteOffset, w)).toEqual(want.data.subarray(0, w));

    const c = await post(`${srv.url}/v1/classify`, { model: 'bert', input: ['good', 'bad'], top_k: 2 });
    expect(c.status).toBe(200);
    expect(c.json.data).toHaveLength(2);
    expect(c.json.data[0].labels).toHaveLength(2);
    expect(c.json.data[0].labels[0]).toEqual({ label: expect.any(String), score: expect.any(Number) });
  });
});

describe('errors and limits', () => {
  const url = () => `${srv.url}/v1/completions`;
  it.each([
    ['n > 1', { model: 'llama', prompt: 'x', n: 2 }, 'n'],
    ['max_tokens over the limit', { model: 'llama', prompt: 'x', max_tokens: 41 }, 'max_tokens'],
    ['a wrong type', { model: 'llama', prompt: 'x', max_tokens: 'many' }, 'max_tokens'],
    ['no prompt', { model: 'llama' }, 'prompt'],
    ['temperature out of range', { model: 'llama', prompt: 'x', temperature: 3 }, 'temperature'],
    ['a prompt over maxPromptTokens', { model: 'llama', prompt: 'y'.repeat(200) }, 'prompt'],
    ['a token id outside the vocabulary', { model: 'llama', prompt: [1, 999] }, null],
    ['no model with several served', { prompt: 'x' }, 'model'],
    ['an encoder for generation', { model: 'bert', prompt: 'x' }, 'model'],
  ])('400 for %s, in OpenAI error shape', async (_name, body, param) => {
    const r = await post(url(), body);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ type: 'invalid_request_error', message: expect.any(String) });
    if (param) expect(r.json.error.param).toBe(param);
    expect(r.json.error.message).not.toMatch(/\/tmp|\/work|at .*\.ts/);
  });

  it('404 for an unknown model name (no path is opened); malformed JSON is a 400; the server lives on', async () => {
    const r = await post(url(), { model: '../../etc/passwd', prompt: 'x' });
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('model_not_found');
    expect(r.json.error.message).not.toContain('/etc');
    for (const bad of ['{"model":', 'null', '[1,2]', '"str"', '{"prompt": "x", "model": "llama"']) {
      const b = await post(url(), bad);
      expect(b.status).toBe(400);
      expect(b.json.error.type).toBe('invalid_request_error');
    }
    expect((await fetch(`${srv.url}/health`)).status).toBe(200);
  });

  it('413 for a body over the limit, 404 JSON for unknown routes', async () => {
    const r = await post(url(), { model: 'llama', prompt: 'x'.repeat(200_000) });
    expect(r.status).toBe(413);
    expect(r.json.error.message).toMatch(/larger/);
    // Chunked, no length up front (64 MiB offered): refused while it streams in, not read to the end.
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream({
      pull(c) {
        if (sent++ < 4096) c.enqueue(chunk);
        else c.close();
      },
    });
    const chunked = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit).catch((e: Error) => e);
    if (!(chunked instanceof Error)) expect(chunked.status).toBe(413);
    expect(sent).toBeLessThan(4096);
    const nf = await fetch(`${srv.url}/v2/nothing`);
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('CapacityError is a 429 with Retry-After when a retry time is known, else 503', async () => {
    const busy = await post(url(), { model: 'busy', prompt: 'x', max_tokens: 2 });
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('2');
    expect(busy.json.error.code).toBe('capacity_exceeded');
    const full = await post(`${srv.url}/v1/chat/completions`, { model: 'full', messages: [{ role: 'user', content: 'x' }], stream: true });
    expect(full.status).toBe(503);
  });

  it('429 beyond the per-client stream limit; a client disconnect aborts its generation and frees it', async () => {
    const controllers = [0, 1, 2].map(() => new AbortController());
    const pending = controllers.map((ac) =>
      fetch(`${srv.url}/v1/completions`, { method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'slow', prompt: 'x', max_tokens: 40, stream: true }) }).catch(() => undefined),
    );
    await until(() => slow.seen.started === 3);
    const refused = await post(url(), { model: 'llama', prompt: 'x', max_tokens: 1 });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    // Drop the clients before the first token: every generation is cancelled and released.
    controllers.forEach((ac) => ac.abort());
    await Promise.all(pending);
    release();
    await until(() => slow.seen.finished === 3);
    expect(slow.seen.aborted).toBe(3);
    await until(() => srv.server.context.inflight.size === 0);
    expect((await post(url(), { model: 'llama', prompt: 'x', max_tokens: 1 })).status).toBe(200);
    await until(() => (llama.model as unknown as { pending: Map<number, unknown> }).pending.size === 0);
  });

  it('a client that leaves mid-stream stops its generation', async () => {
    const before = slow.seen.finished;
    const ac = new AbortController();
    const r = await fetch(`${srv.url}/v1/completions`, { method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'slow', prompt: 'x', max_tokens: 40, stream: true, temperature: 0.5, seed: 1 }) });
    const reader = r.body!.getReader();
    await reader.read();
    ac.abort();
    await until(() => slow.seen.finished === before + 1);
    await until(() => srv.server.context.inflight.size === 0);
    // The worker acknowledges the abort at its next layer boundary; then the model holds nothing.
    await until(() => (llama.model as unknown as { pending: Map<number, unknown> }).pending.size === 0);
  });
});

describe('concurrency', () => {
  it('concurrent requests (batched by the model when it batches) answer as the same requests one at a time', async () => {
    // Three at once: the per-client stream limit of this server.
    const bodies = [0, 1, 2].map((i) => ({ model: i === 1 ? 'mamba' : 'llama', prompt: `p${i} said`, max_tokens: 8, ...(i === 2 ? { temperature: 0.8, seed: i } : { temperature: 0 }) }));
    const alone: string[] = [];
    for (const b of bodies) alone.push((await post(`${srv.url}/v1/completions`, b)).json.choices[0].text);
    const together = await Promise.all(bodies.map((b) => post(`${srv.url}/v1/completions`, b)));
    expect(together.map((r) => r.json.choices[0].text)).toEqual(alone);
  });
});

describe('robustness', () => {
  it('survives a burst: every request answers 200 or 429, then the server is healthy', async () => {
    const rs = await Promise.all(Array.from({ length: 24 }, (_, i) => post(`${srv.url}/v1/completions`, { model: i % 2 ? 'llama' : 'mamba', prompt: `burst ${i}`, max_tokens: 3, temperature: 0 })));
    expect(rs.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    expect(rs.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(3);
    expect((await fetch(`${srv.url}/health`)).status).toBe(200);
  });

  it('survives slow and stalled clients: a half-sent request and a reader that never reads', async () => {
    const half = connect(srv.port, '127.0.0.1');
    half.write('POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"model":');
    const stalled = connect(srv.port, '127.0.0.1');
    const body = JSON.stringify({ model: 'mamba', prompt: 'x', max_tokens: 40, stream: true });
    stalled.write(`POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    stalled.pause();
    for (let i = 0; i < 3; i++) expect((await post(`${srv.url}/v1/completions`, { model: 'llama', prompt: 'x', max_tokens: 2 })).status).toBe(200);
    half.destroy();
    stalled.destroy();
    await until(() => srv.server.context.inflight.size === 0);
    expect((await fetch(`${srv.url}/health`)).status).toBe(200);
  });

  it('/metrics reports requests, tokens, time to first token, latency and queue depth', async () => {
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    expect(text).toMatch(/attnscan_requests_total\{route="\/v1\/completions",status="200"\} \d+/);
    expect(text).toMatch(/attnscan_generated_tokens_total\{model="llama"\} [1-9]/);
    expect(text).toMatch(/attnscan_time_to_first_token_seconds_count\{model="mamba"\} [1-9]/);
    expect(text).toMatch(/attnscan_request_duration_seconds_bucket/);
    expect(text).toMatch(/attnscan_queue_depth\{model="llama"\} 0/);
    expect(text).toMatch(/attnscan_tokens_per_second\{model="llama"\} /);
    // From model.stats() when the model has it.
    expect(text).toMatch(/attnscan_queue_depth\{model="stats"\} 3/);
    expect(text).toMatch(/attnscan_scheduler\{model="stats",stat="activeSequences"\} 2/);
    expect(text).toMatch(/attnscan_nodejs_eventloop_lag_p99_seconds /);
  });
});

describe('auth', () => {
  let authed: Running;
  beforeAll(async () => {
    authed = await listen({ models: [mamba], apiKey: 's3cret-key' });
  });
  afterAll(() => authed.server.close());

  it('401 without or with a wrong key (any length); 200 with it; /health stays open', async () => {
    const body = { prompt: 'x', max_tokens: 1 };
    for (const h of [{} as Record<string, string>, { authorization: 'Bearer nope' }, { authorization: 'Bearer s3cret-key-longer' }, { authorization: 's3cret-key' }]) {
      const r = await post(`${authed.url}/v1/completions`, body, h);
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('invalid_api_key');
    }
    expect((await post(`${authed.url}/v1/completions`, body, { authorization: 'Bearer s3cret-key' })).status).toBe(200);
    expect((await fetch(`${authed.url}/health`)).status).toBe(200);
    expect((await fetch(`${authed.url}/metrics`)).status).toBe(401);
  });
});
