// The attnscan command line: each command in-process through main() (fast), then as a real
// process for exit codes and for serve's SIGTERM drain.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { loadModel } from '../../lib/models/model.js';
import { main } from '../../lib/cli/run.js';
import { fixtureWithTokenizer } from '../helpers/pipeline-fixtures.js';
import { sseData } from '../server/helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'attnscan-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const llama = fixtureWithTokenizer(tmp, 'llama');
const bertCls = fixtureWithTokenizer(tmp, 'bert-cls');
const bert = fixtureWithTokenizer(tmp, 'bert');

async function cli(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
  const io = { out: sink((s) => (out += s)), err: sink((s) => (err += s)), stdin: Readable.from([stdin]), env: {} };
  const code = await main(args, io);
  return { code, out, err };
}

describe('commands in-process', () => {
  it('generate --json is the greedy continuation of model.generate; plain output streams the same text', async () => {
    const m = await loadModel(llama, { backend: 'ts' });
    const ids = m.tokenizer!.encode('Once upon');
    const toks: number[] = [];
    for await (const t of m.generate(ids, { maxNewTokens: 6 })) toks.push(t);
    const text = m.tokenizer!.decode([...ids, ...toks], { skipSpecialTokens: true }).slice(m.tokenizer!.decode(ids, { skipSpecialTokens: true }).length);
    await m.dispose();
    const r = await cli(['generate', '--model', llama, '--backend', 'ts', '-n', '6', '--json', 'Once', 'upon']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ prompt: 'Once upon', text, promptTokens: ids.length, completionTokens: toks.length });
    const plain = await cli(['generate', '-m', llama, '--backend', 'ts', '-n', '6'], 'Once upon');
    expect(plain.out).toBe(`${text}\n`);
  });

  it('embed, classify and fill-mask, plain and --json', async () => {
    const e = await cli(['embed', '-m', bert, '--json', 'hello', 'world']);
    expect(e.code).toBe(0);
    const ej = JSON.parse(e.out);
    expect(ej.embeddings).toHaveLength(2);
    expect(ej.embeddings[0]).toHaveLength(ej.dims);
    const c = await cli(['classify', '-m', bertCls, '-k', '1', 'good', 'bad']);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/^\[0\] \S+ 0\.\d{4}\n\[1\] \S+ 0\.\d{4}\n$/);
    const f = await cli(['fill-mask', '-m', bert, '--json', '-k', '3', 'a [MASK] b']);
    expect(f.code).toBe(0);
    expect(JSON.parse(f.out).results[0].candidates).toHaveLength(3);
  });

  it('info reads the headers: architecture, parameters, dtypes, memory', async () => {
    const r = await cli(['info', '--json', llama]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ architecture: 'LlamaForCausalLM', contextLength: 128, tokenizer: true });
    expect(j.parameters).toBeGreaterThan(0);
    expect(Object.keys(j.dtypes).length).toBeGreaterThan(0);
    expect(j.cacheBytesPerToken).toBe(2 * 4 * 2 * 2 * 16);
    expect((await cli(['info', llama])).out).toMatch(/parameters\s+\S+ \(\d+\)/);
  });

  it('bench measures decode tokens/s (decoders) or forwards/s (encoders)', async () => {
    const r = await cli(['bench', '-m', llama, '--backend', 'ts', '-n', '4', '--runs', '1', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).decodeTokensPerSecond).toBeGreaterThan(0);
    const e = await cli(['bench', '-m', bert, '--runs', '1', '--json']);
    expect(JSON.parse(e.out).forwardsPerSecond).toBeGreaterThan(0);
  });

  it('generate --kv-cache f16 runs with the f16 cache (the tokens of loadModel({ kvCache: "f16" })); a bad value exits 2', async () => {
    const m = await loadModel(llama, { backend: 'ts', kvCache: 'f16' });
    const ids = m.tokenizer!.encode('Once upon');
    const toks: number[] = [];
    for await (const t of m.generate(ids, { maxNewTokens: 6 })) toks.push(t);
    const text = m.tokenizer!.decode([...ids, ...toks], { skipSpecialTokens: true }).slice(m.tokenizer!.decode(ids, { skipSpecialTokens: true }).length);
    await m.dispose();
    const r = await cli(['generate', '--model', llama, '--backend', 'ts', '--kv-cache', 'f16', '-n', '6', '--json', 'Once', 'upon']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ text, promptTokens: ids.length, completionTokens: toks.length });
    const bad = await cli(['generate', '--model', llama, '--kv-cache', 'f8', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--kv-cache must be f32 or f16, got 'f8'");
    expect((await cli(['serve', '--help'])).out).toContain('--kv-cache f32|f16');
  });

  it('--no-huge-pages loads from the page cache and generates the same tokens; every model command takes it', async () => {
    const args = ['generate', '--model', llama, '-n', '6', '--json', 'Once', 'upon'];
    const copied = await cli(args);
    const mapped = await cli([...args, '--no-huge-pages']);
    expect(copied.code).toBe(0);
    expect(mapped.code).toBe(0);
    expect(JSON.parse(mapped.out).text).toBe(JSON.parse(copied.out).text);
    for (const c of ['generate', 'embed', 'serve']) expect((await cli([c, '--help'])).out).toContain('--no-huge-pages');
  });

  it('--help for every command; usage errors exit 2, model problems 3', async () => {
    for (const c of ['generate', 'embed', 'classify', 'fill-mask', 'info', 'bench', 'serve']) {
      const r = await cli([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.out).toContain(`attnscan ${c}`);
    }
    expect((await cli(['--help'])).code).toBe(0);
    expect((await cli([])).code).toBe(2);
    expect((await cli(['nope'])).code).toBe(2);
    const bad = await cli(['generate', '--max-tokens', 'lots', '-m', llama, 'x']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--max-tokens must be an integer');
    expect((await cli(['generate', '--bogus'])).code).toBe(2);
    const missing = await cli(['generate', '-m', join(tmp, 'absent'), 'x']);
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/config\.json/);
    expect(missing.err).not.toMatch(/\n\s+at /);
    const noHead = await cli(['classify', '-m', llama, 'x']);
    expect(noHead.code).toBe(3);
    expect(noHead.err).toContain('has no sequence-classification head');
    expect((await cli(['fill-mask', '-m', bertCls, 'a [MASK]'])).code).toBe(3);
    expect((await cli(['generate', '-m', bert, 'x'])).code).toBe(3);
    expect((await cli(['classify', 'x'])).code).toBe(2);
  });
});

describe('the real process', () => {
  const bin = [process.execPath, '--import', 'tsx', join(root, 'lib/cli/main.ts')];

  it('exits with the command code', () => {
    const bad = spawnSync(bin[0], [...bin.slice(1), 'info', join(tmp, 'absent')], { cwd: root, encoding: 'utf8' });
    expect(bad.status).toBe(3);
    expect(bad.stderr).toMatch(/^attnscan info: /);
  });

  it('serve: SIGTERM lets an in-flight stream finish with [DONE], then exits 0', async () => {
    const p = spawn(bin[0], [...bin.slice(1), 'serve', '-m', `tiny=${llama}`, '--port', '0', '--json', '--backend', 'ts'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c) => (err += c));
    const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      p.stdout.on('data', (c) => {
        buf += c;
        if (buf.includes('\n')) resolve(buf.split('\n')[0]);
      });
      p.on('exit', () => reject(new Error(`serve exited early: ${err}`)));
    });
    const { url, models } = JSON.parse(line);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(models).toEqual([{ name: 'tiny', architecture: 'LlamaForCausalLM' }]);
    const res = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'x', max_tokens: 30, stream: true, temperature: 0 }) });
    const reader = res.body!.getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    p.kill('SIGTERM');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    const data = sseData(text);
    expect(data[data.length - 1]).toBe('[DONE]');
    expect(await exited).toBe(0);
    expect(err).toContain('draining');
  });
});
