// API keys: every comparison is crypto.timingSafeEqual over two 32-byte digests, against every
// configured key (no early exit), whatever the presented token's length; and over real HTTP, wrong
// keys of the same length, shorter, longer, a prefix, a suffix or another scheme are all 401.
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => [] as [number, number][]);
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  const timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    calls.push([a.byteLength, b.byteLength]);
    return crypto.timingSafeEqual(a, b);
  };
  return { ...crypto, timingSafeEqual, default: { ...crypto, timingSafeEqual } };
});

const { bearerChecker, normalizeApiKeys } = await import('../../lib/server/auth.js');
const { fixtureWithTokenizer } = await import('../helpers/pipeline-fixtures.js');
const { listen, post, serve } = await import('./helpers.js');

const KEY = 'sk-attnscan-0123456789abcdef';
/** Wrong tokens: same length differing first or last, shorter, longer, prefix, suffix, empty, unicode. */
const WRONG = [
  `X${KEY.slice(1)}`,
  `${KEY.slice(0, -1)}X`,
  KEY.slice(0, 5),
  `${KEY}0`,
  KEY.slice(0, -1),
  `${KEY}${KEY}`,
  KEY.toUpperCase(),
  'ä'.repeat(KEY.length),
  'x'.repeat(10_000),
];

beforeEach(() => {
  calls.length = 0;
});

describe('bearerChecker', () => {
  it('compares 32-byte digests with timingSafeEqual, once per key, for right and wrong tokens alike', () => {
    const check = bearerChecker([KEY, 'another-key']);
    for (const token of [KEY, 'another-key', ...WRONG]) {
      calls.length = 0;
      const want = token === KEY ? 0 : token === 'another-key' ? 1 : -1;
      expect(check(`Bearer ${token}`)).toBe(want);
      expect(calls).toEqual([
        [32, 32],
        [32, 32],
      ]);
    }
    // No header, another scheme, a bare key: still the same comparisons, and refused.
    for (const header of [undefined, '', `Basic ${KEY}`, KEY, 'Bearer', 'Bearer ']) {
      calls.length = 0;
      expect(check(header)).toBe(-1);
      expect(calls).toHaveLength(2);
    }
    expect(check(`bearer   ${KEY}  `)).toBe(0);
  });

  it('no keys lets everything in; an empty key is refused rather than disabling auth', () => {
    expect(bearerChecker(undefined)(undefined)).toBe(0);
    expect(bearerChecker([])('Bearer x')).toBe(0);
    expect(() => normalizeApiKeys('')).toThrow(TypeError);
    expect(() => normalizeApiKeys(['ok', '  '])).toThrow(TypeError);
  });
});

describe('over HTTP', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'attnscan-auth-'));
  let srv: Awaited<ReturnType<typeof listen>>;
  let served: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    served = await serve('llama', fixtureWithTokenizer(tmp, 'llama'));
    srv = await listen({ models: [served], apiKey: KEY });
  });
  afterAll(async () => {
    await srv.server.close();
    await served.model.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('wrong keys of equal and different lengths are 401 and go through timingSafeEqual; the key is 200', async () => {
    const body = { prompt: 'x', max_tokens: 1 };
    for (const token of WRONG) {
      calls.length = 0;
      const r = await post(`${srv.url}/v1/completions`, body, { authorization: `Bearer ${token}` });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
      expect(r.json.error).toEqual({ message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_api_key' });
      expect(JSON.stringify(r.json)).not.toContain(KEY.slice(3));
      expect(calls).toEqual([[32, 32]]);
    }
    for (const headers of [{}, { authorization: KEY }, { authorization: `Basic ${KEY}` }, { 'x-api-key': KEY }] as Record<string, string>[]) {
      expect((await post(`${srv.url}/v1/completions`, body, headers)).status).toBe(401);
    }
    expect((await post(`${srv.url}/v1/completions?api_key=${KEY}`, body)).status).toBe(401);
    expect((await post(`${srv.url}/v1/completions`, body, { authorization: `Bearer ${KEY}` })).status).toBe(200);
    for (const path of ['/metrics', '/v1/models']) expect((await fetch(`${srv.url}${path}`)).status).toBe(401);
    expect((await fetch(`${srv.url}/health`)).status).toBe(200);
  });
});
