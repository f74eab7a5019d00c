// A served fixture model on an ephemeral loopback port, and small HTTP helpers for the tests.
import type { AddressInfo } from 'node:net';

import { type AttnscanServer, createServer, type ServerOptions } from '../../lib/server/app.js';
import { loadServed, type ServedModel } from '../../lib/server/served.js';

export interface Running {
  server: AttnscanServer;
  url: string;
  port: number;
}

export async function listen(opts: ServerOptions): Promise<Running> {
  const server = await createServer(opts);
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.app.server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, port };
}

export const serve = (name: string, dir: string): Promise<ServedModel> => loadServed({ name, dir }, { backend: 'ts' });

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.status, json, headers: r.headers };
}

/** The `data:` payloads of an SSE body, in order. */
export function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}

/**
 * A served model whose generate waits for `gate` before its first token and then yields the real
 * model's tokens `delayMs` apart, reporting when its consumer stops (return) and whether the
 * request's signal fired: a stand-in for a long generation.
 */
export function slowModel(s: ServedModel, name: string, opts: { gate?: Promise<void>; delayMs?: number; fail?: () => Error } = {}) {
  const seen = { started: 0, finished: 0, aborted: 0 };
  const model = new Proxy(s.model, {
    get(target, key, receiver) {
      if (key !== 'generate') return Reflect.get(target, key, receiver);
      return (ids: number[], o: { signal?: AbortSignal }) => ({
        async *[Symbol.asyncIterator]() {
          seen.started++;
          try {
            if (opts.fail) throw opts.fail();
            await opts.gate;
            for await (const t of target.generate(ids, o)) {
              yield t;
              await new Promise((r) => setTimeout(r, opts.delayMs ?? 0));
            }
          } finally {
            seen.finished++;
            if (o.signal?.aborted) seen.aborted++;
          }
        },
      });
    },
  });
  return { served: { ...s, name, model } as ServedModel, seen };
}

export async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
