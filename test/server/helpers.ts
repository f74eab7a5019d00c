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
