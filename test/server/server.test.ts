// The HTTP server on loopback with tiny seeded fixture models: OpenAI shapes, greedy output equal
// to model.generate, streaming order and [DONE], auth and limits, and robustness.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ServedModel } from '../../lib/server/served.js';
import { fixtureWithTokenizer } from '../helpers/pipeline-fixtures.js';
import { listen, post, type Running, serve, sseData } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'attnscan-server-'));
let llama: ServedModel;
let mamba: ServedModel;
let bert: ServedModel;
let srv: Running;

beforeAll(async () => {
  [llama, mamba, bert] = await Promise.all([
    serve('llama', fixtureWithTokenizer(tmp, 'llama')),
    serve('mamba', fixtureWithTokenizer(tmp, 'mamba')),
    serve('bert', fixtureWithTokenizer(tmp, 'bert-cls')),
  ]);
  srv = await listen({ models: [llama, mamba, bert], limits: { maxTokens: 40, maxStreamsPerClient: 4, bodyLimit: 64 * 1024 } });
});
afterAll(async () => {
  await srv?.server.close();
  await Promise.all([llama, mamba, bert].map((s) => s?.model.dispose()));
  rmSync(tmp, { recursive: true, force: true });
});

async function greedy(s: ServedModel, prompt: string, n: number): Promise<{ ids: number[]; text: string }> {
  const ids = s.tok.encode(prompt);
  const out: number[] = [];
  for await (const t of s.model.generate(ids, { maxNewTokens: n, eosTokenId: null })) out.push(t);
  const full = s.tok.decode([...ids, ...out], { skipSpecialTokens: true });
  return { ids: out, text: full.slice(s.tok.decode(ids, { skipSpecialTokens: true }).length) };
}

describe('server basics', () => {
  it('GET /health and /v1/models', async () => {
    const h = await (await fetch(`${srv.url}/health`)).json();
    expect(h).toEqual({ status: 'ok', models: ['llama', 'mamba', 'bert'] });
    const m = await (await fetch(`${srv.url}/v1/models`)).json();
    expect(m.object).toBe('list');
    expect(m.data.map((d: { id: string }) => d.id)).toEqual(['llama', 'mamba', 'bert']);
  });

  it.each(['llama', 'mamba'])('greedy /v1/completions on %s equals model.generate', async (name) => {
    const s = name === 'llama' ? llama : mamba;
    const want = await greedy(s, 'Hello there', 10);
    const r = await post(`${srv.url}/v1/completions`, { model: name, prompt: 'Hello there', max_tokens: 10, temperature: 0 });
    expect(r.status).toBe(200);
    expect(r.json.object).toBe('text_completion');
    expect(r.json.usage.prompt_tokens).toBe(s.tok.encode('Hello there').length);
    // The random model may emit EOS early: the answer is the greedy text up to it.
    const eos = want.ids.findIndex((t) => s.model.eosTokenIds.includes(t));
    if (eos < 0) {
      expect(r.json.choices[0].text).toBe(want.text);
      expect(r.json.choices[0].finish_reason).toBe('length');
      expect(r.json.usage.completion_tokens).toBe(10);
    } else expect(r.json.choices[0].finish_reason).toBe('stop');
  });
});
