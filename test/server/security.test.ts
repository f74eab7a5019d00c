// The server's security properties over real HTTP on loopback: it binds 127.0.0.1 unless told
// otherwise; body, prompt, max_tokens and per-client concurrency limits hold (a client is its API
// key when there are keys, else its socket address, never a header it sends); wrong keys of any
// length are refused; no request field or URL makes it open a file outside the models it was
// started with; and no error answer carries a stack trace or a file system path, however the
// failure is forced.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { Readable, Writable } from 'node:stream';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { main } from '../../lib/cli/run.js';
import { ValueRangeError } from '../../lib/errors.js';
import type { ServedModel } from '../../lib/server/served.js';
import { fixtureWithTokenizer } from '../helpers/pipeline-fixtures.js';
import { listen, post, type Running, serve, slowModel, until } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'attnscan-security-'));
const root = join(import.meta.dirname, '..', '..');
let llama: ServedModel;
let bert: ServedModel;
let llamaDir: string;
/** A checkpoint that no server here serves: nothing may ever read it. */
let canary: string;

beforeAll(async () => {
  llamaDir = fixtureWithTokenizer(tmp, 'llama');
  canary = fixtureWithTokenizer(tmp, 'llama');
  [llama, bert] = await Promise.all([serve('llama', llamaDir), serve('bert', fixtureWithTokenizer(tmp, 'bert-cls'))]);
});
afterAll(async () => {
  await Promise.all([llama, bert].map((s) => s?.model.dispose()));
  rmSync(tmp, { recursive: true, force: true });
});

interface Answer {
  status: number;
  text: string;
  headers: IncomingHttpHeaders;
}

/** One HTTP request with full control of the path, the source address and the headers. */
function raw(port: number, opts: { method?: string; path: string; body?: unknown; headers?: Record<string, string>; localAddress?: string; signal?: AbortSignal }): Promise<Answer> {
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: opts.path, method: opts.method ?? (body === undefined ? 'GET' : 'POST'), localAddress: opts.localAddress, signal: opts.signal, headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...opts.headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, text, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** What no answer body may contain: a stack frame, a file system path, this machine's folders. */
function expectNoLeak(text: string): void {
  expect(text).not.toMatch(/\bat .*[(:]\d+:\d+\)?/);
  expect(text).not.toMatch(/\.[cm]?[jt]s\b:?\d*/);
  expect(text).not.toMatch(/(?:^|[\s"'(=])\/(?:work|tmp|home|etc|usr|root|var|proc)\b/);
  expect(text).not.toContain('node_modules');
  expect(text).not.toContain(tmp);
  expect(text).not.toContain(root);
  expect(text).not.toContain('root:x:0');
}

describe('default bind', () => {
  it('attnscan serve listens on 127.0.0.1 only unless --host says otherwise', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'lib/cli/main.ts'), 'serve', '-m', `llama=${llamaDir}`, '--port', '0', '--json', '--backend', 'ts'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout.on('data', (c) => {
          out += c;
          if (out.includes('\n')) resolve(out.split('\n')[0]);
        });
        child.stderr.on('data', (c) => (err += c));
        child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
      });
      const url = new URL((JSON.parse(line) as { url: string }).url);
      expect(url.hostname).toBe('127.0.0.1');
      expect((await raw(Number(url.port), { path: '/health' })).status).toBe(200);
      // Any other address of this machine refuses the connection.
      const others = Object.values(networkInterfaces())
        .flat()
        .filter((a) => a && a.family === 'IPv4' && !a.internal)
        .map((a) => a!.address);
      for (const host of others) {
        const refused = await new Promise<boolean>((resolve) => {
          const s = connect(Number(url.port), host);
          s.on('connect', () => (s.destroy(), resolve(false)));
          s.on('error', () => resolve(true));
        });
        expect(refused, `reachable on ${host}`).toBe(true);
      }
    } finally {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }, 60_000);

  it('an empty --api-key is a usage error, not an open server', async () => {
    let err = '';
    const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
    const io = { out: sink(() => undefined), err: sink((s) => (err += s)), stdin: Readable.from(['']), env: {} };
    expect(await main(['serve', '-m', llamaDir, '--api-key', ' ', '--port', '0'], io)).toBe(2);
    expect(err).toMatch(/--api-key must not be empty/);
  });
});

describe('limits', () => {
  let srv: Running;
  beforeAll(async () => {
    srv = await listen({ models: [llama, bert], limits: { maxTokens: 20, maxPromptTokens: 30, bodyLimit: 4096 } });
  });
  afterAll(() => srv.server.close());

  it.each([
    ['/v1/completions', { model: 'llama', prompt: 'x'.repeat(5000) }, 413],
    ['/v1/completions', { model: 'llama', prompt: 'y'.repeat(31) }, 400],
    ['/v1/completions', { model: 'llama', prompt: Array.from({ length: 31 }, () => 5) }, 400],
    ['/v1/chat/completions', { model: 'llama', messages: [{ role: 'user', content: 'y'.repeat(40) }] }, 400],
    ['/v1/embeddings', { model: 'bert', input: ['ok', 'z'.repeat(40)] }, 400],
    ['/v1/completions', { model: 'llama', prompt: 'x', max_tokens: 21 }, 400],
    ['/v1/chat/completions', { model: 'llama', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 21 }, 400],
  ])('%s %j -> %i', async (path, body, status) => {
    const r = await raw(srv.port, { path, body });
    expect(r.status).toBe(status);
    const e = (JSON.parse(r.text) as { error: { message: string; type: string } }).error;
    expect(e.type).toBe('invalid_request_error');
    expect(e.message.length).toBeGreaterThan(10);
    expectNoLeak(r.text);
  });

  it('the limit answers leave the server serving', async () => {
    expect((await raw(srv.port, { path: '/v1/completions', body: { model: 'llama', prompt: 'x', max_tokens: 20 } })).status).toBe(200);
  });
});

describe('concurrent requests per client', () => {
  /** Starts `n` generations on a gated model from `from`, and waits until all run. */
  async function hold(srv: Running, seen: { started: number }, n: number, from: string, headers: Record<string, string> = {}) {
    const ac = new AbortController();
    const before = seen.started;
    const done = Array.from({ length: n }, () => raw(srv.port, { path: '/v1/completions', localAddress: from, headers, signal: ac.signal, body: { model: 'slow', prompt: 'x', max_tokens: 4, stream: true } }).catch(() => undefined));
    await until(() => seen.started === before + n);
    return { drop: async () => (ac.abort(), await Promise.all(done)), done };
  }

  function expect429(r: Answer): void {
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('1');
    const e = (JSON.parse(r.text) as { error: Record<string, unknown> }).error;
    expect(e).toEqual({ message: expect.stringMatching(/too many concurrent requests from this client: at most 2/), type: 'rate_limit_error', param: null, code: 'too_many_streams' });
  }

  it('without keys a client is its address: a third request from it is a 429, another address is served, X-Forwarded-For changes nothing', async () => {
    let open!: () => void;
    const slow = slowModel(llama, 'slow', { gate: new Promise<void>((r) => (open = r)) });
    const srv = await listen({ models: [slow.served, llama, bert], limits: { maxStreamsPerClient: 2 } });
    try {
      const held = await hold(srv, slow.seen, 2, '127.0.0.1');
      const one = { path: '/v1/completions', body: { model: 'llama', prompt: 'x', max_tokens: 1 } };
      expect429(await raw(srv.port, { ...one, localAddress: '127.0.0.1' }));
      expect429(await raw(srv.port, { ...one, localAddress: '127.0.0.1', headers: { 'x-forwarded-for': '10.1.2.3', 'x-real-ip': '10.1.2.3' } }));
      expect429(await raw(srv.port, { path: '/v1/embeddings', localAddress: '127.0.0.1', body: { model: 'bert', input: 'x' } }));
      expect((await raw(srv.port, { ...one, localAddress: '127.0.0.2' })).status).toBe(200);
      expect((await raw(srv.port, { path: '/v1/embeddings', localAddress: '127.0.0.2', body: { model: 'bert', input: 'x' } })).status).toBe(200);
      open();
      expect((await Promise.all(held.done)).map((r) => r?.status)).toEqual([200, 200]);
      // Finished requests give their places back.
      const again = await Promise.all([0, 1].map(() => raw(srv.port, { ...one, localAddress: '127.0.0.1' })));
      expect(again.map((r) => r.status)).toEqual([200, 200]);
    } finally {
      open();
      await srv.server.close();
    }
  });

  it('with keys a client is its key, wherever it connects from; a disconnect frees its place', async () => {
    let open!: () => void;
    const slow = slowModel(llama, 'slow', { gate: new Promise<void>((r) => (open = r)) });
    const srv = await listen({ models: [slow.served, llama], apiKey: ['key-a', 'key-b'], limits: { maxStreamsPerClient: 2 } });
    const a = { authorization: 'Bearer key-a' };
    const b = { authorization: 'Bearer key-b' };
    const one = { path: '/v1/completions', body: { model: 'llama', prompt: 'x', max_tokens: 1 } };
    try {
      const held = await hold(srv, slow.seen, 2, '127.0.0.1', a);
      expect429(await raw(srv.port, { ...one, localAddress: '127.0.0.2', headers: a }));
      expect((await raw(srv.port, { ...one, localAddress: '127.0.0.1', headers: b })).status).toBe(200);
      await held.drop();
      // The stand-in model only notices the abort once its gate opens (a real one at its next step).
      open();
      await until(() => srv.server.context.inflight.size === 0);
      expect((await raw(srv.port, { ...one, localAddress: '127.0.0.2', headers: a })).status).toBe(200);
    } finally {
      open();
      await srv.server.close();
    }
  });
});

describe('no request reads outside the served models', () => {
  let srv: Running;
  let link: string;
  beforeAll(async () => {
    srv = await listen({ models: [llama, bert] });
    // A symlink named like a model, next to the served folder, pointing at the canary.
    link = join(tmp, 'linked');
    symlinkSync(canary, link);
  });
  afterAll(() => srv.server.close());

  // stat never touches an access time; listing the folder would, so it is listed once, up front.
  let files: string[];
  const atimes = () => files.map((p) => statSync(p).atimeMs);

  it('model names that look like paths are unknown models, and the canary checkpoint is never read', async () => {
    // relatime updates an access time older than a day on the next read: set them to 1970 first,
    // and show that a read does move them, so an unchanged time means nobody read.
    files = [canary, ...readdirSync(canary).map((f) => join(canary, f))];
    for (const p of files) utimesSync(p, new Date(0), statSync(p).mtime);
    const names = [
      '../x', '../../../../etc/passwd', '/etc/passwd', canary, join(canary, 'model.safetensors'), link, 'linked', `file://${canary}`,
      '..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..\\..\\windows\\win.ini', 'llama/../llama', './llama', 'llama/', 'llama\u0000', `llama/../../${canary}`,
    ];
    for (const model of names) {
      for (const [path, body] of [
        ['/v1/completions', { model, prompt: 'x', max_tokens: 1 }],
        ['/v1/chat/completions', { model, messages: [{ role: 'user', content: 'x' }], max_tokens: 1 }],
        ['/v1/embeddings', { model, input: 'x' }],
        ['/v1/classify', { model, input: 'x' }],
      ] as const) {
        const r = await raw(srv.port, { path, body });
        expect(r.status, `${path} ${model}`).toBe(404);
        expect((JSON.parse(r.text) as { error: { code: string } }).error.code).toBe('model_not_found');
        expect(r.text).not.toContain(canary);
        expectNoLeak(r.text);
      }
    }
    expect(atimes().every((t) => t === 0)).toBe(true);
    statSync(canary);
    readdirSync(canary);
    expect(atimes()[0]).toBeGreaterThan(0);
  });

  it('traversal in the URL reaches no file: every variant is a 404 in JSON', async () => {
    for (const path of ['/../../../../etc/passwd', '/v1/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/v1/models/..%2f..%2f..%2fetc%2fpasswd', '/v1/models/%2e%2e%5c%2e%2e%5cetc', `/${canary}/config.json`, '/v1/models/../../../proc/self/environ', '//etc/passwd']) {
      const r = await raw(srv.port, { path });
      expect([400, 404], path).toContain(r.status);
      expect(r.headers['content-type']).toMatch(/application\/json/);
      expectNoLeak(r.text);
    }
  });
});

describe('error answers carry no stack or path', () => {
  let srv: Running;
  const secret = '/work/secret/checkpoints/model.safetensors';
  const internal = () => Object.assign(new Error(`ENOENT: no such file or directory, open '${secret}'`), { code: 'ENOENT', path: secret });

  beforeAll(async () => {
    const broken = slowModel(llama, 'broken', { fail: internal });
    const typed = slowModel(llama, 'typed', { fail: () => new ValueRangeError(`token 7 is out of range for ${secret}`) });
    const thrownString = slowModel(llama, 'string', { fail: () => secret as unknown as Error });
    // Fails after its first token, once the SSE stream has started.
    const midStream = {
      ...llama,
      name: 'midstream',
      model: new Proxy(llama.model, {
        get: (t, k, r) =>
          k === 'generate'
            ? () => ({
                async *[Symbol.asyncIterator]() {
                  yield 5;
                  throw internal();
                },
              })
            : Reflect.get(t, k, r),
      }),
    } as ServedModel;
    const badTokenizer = { ...bert, name: 'badtok', tok: new Proxy(bert.tok, { get: (t, k, r) => (k === 'encode' ? () => { throw new TypeError(`cannot read ${secret}`); } : Reflect.get(t, k, r)) }) } as ServedModel;
    srv = await listen({ models: [broken.served, typed.served, thrownString.served, midStream, badTokenizer, llama] });
  });
  afterAll(() => srv.server.close());

  it.each([
    ['an internal error in generate', '/v1/completions', { model: 'broken', prompt: 'x', max_tokens: 2 }, 500],
    ['an internal error in a chat', '/v1/chat/completions', { model: 'broken', messages: [{ role: 'user', content: 'x' }] }, 500],
    ['a non-Error thrown', '/v1/completions', { model: 'string', prompt: 'x', max_tokens: 2 }, 500],
    ['an internal error in the tokenizer', '/v1/embeddings', { model: 'badtok', input: 'x' }, 500],
    ['a typed input error naming a path', '/v1/completions', { model: 'typed', prompt: 'x', max_tokens: 2 }, 400],
    ['an internal error on a stream before its first token', '/v1/completions', { model: 'broken', prompt: 'x', max_tokens: 2, stream: true }, 500],
  ])('%s', async (_what, path, body, status) => {
    const r = await raw(srv.port, { path, body });
    expect(r.status).toBe(status);
    const e = (JSON.parse(r.text) as { error: { message: string; type: string } }).error;
    if (status === 500) expect(e).toMatchObject({ message: 'internal server error', type: 'server_error' });
    else expect(e.message).toContain('<path>');
    expectNoLeak(r.text);
    expect(r.text).not.toContain('secret');
  });

  it('an internal error mid-stream ends the stream with a generic error event', async () => {
    const r = await raw(srv.port, { path: '/v1/completions', body: { model: 'midstream', prompt: 'x', max_tokens: 4, stream: true } });
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/"internal server error"/);
    expect(r.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expectNoLeak(r.text);
    expect(r.text).not.toContain('secret');
  });

  it.each([
    ['malformed JSON', { path: '/v1/completions', body: '{"model": "llama", "prompt": ' }],
    ['a wrong content type', { path: '/v1/completions', body: 'x', headers: { 'content-type': 'text/plain' } }],
    ['a malformed URL escape', { path: '/v1/%E0%A4%A', method: 'GET' }],
    ['an unknown field type', { path: '/v1/completions', body: { model: { $ref: '/etc/passwd' }, prompt: 'x' } }],
    ['a huge max_tokens', { path: '/v1/completions', body: { model: 'llama', prompt: 'x', max_tokens: 1e30 } }],
  ])('%s: a 4xx without internals', async (_what, opts) => {
    const r = await raw(srv.port, opts as Parameters<typeof raw>[1]);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expectNoLeak(r.text);
    expect((await raw(srv.port, { path: '/health' })).status).toBe(200);
  });
});
