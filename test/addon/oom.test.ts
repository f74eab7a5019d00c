// Resource exhaustion: a native allocation that fails is an OutOfMemoryError (ERR_OOM), never an
// abort; so is an output, a checkpoint read or a model too large for memory. Native scratch
// failures are forced with ATTNSCAN_TEST_FAIL_ALLOC=1 in a child process (Linux overcommits, so
// a large malloc would rarely fail on its own).
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CheckpointError, OutOfMemoryError } from '../../lib/errors.js';
import { kernels, Tensor } from '../../lib/index.js';
import { loadModel } from '../../lib/models/model.js';
import { packageRoot } from '../../lib/util/paths.js';
import { nativeLoaded } from '../helpers/backends.js';
import { tinyConfigs, tinyTensors } from '../helpers/tiny-checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'attnscan-oom-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.runIf(nativeLoaded)('native allocation failure', () => {
  it('every kernel with scratch fails with OutOfMemoryError, sync and async, and the process lives on', () => {
    const body = `
      const { kernels, Tensor } = await import('./lib/index.ts');
      const t = (dims, v = 0.5) => new Tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(v), dims);
      const f16 = (dims) => ({ data: new Uint16Array(dims.reduce((a, b) => a * b, 1)).fill(0x3c00), dims, dtype: 'f16' });
      const calls = {
        attention: () => [{ q: t([1, 32, 2, 16]), k: t([1, 32, 2, 16]), v: t([1, 32, 2, 16]) }],
        linear: () => [{ x: t([32, 64]), weight: t([64, 64]) }],
        rmsNorm: () => [{ x: t([4, 64]), weight: f16([64]) }],
        rope: () => [{ x: t([1, 8, 2, 16]), positions: new Tensor(new Int32Array(8), [1, 8]) }],
        selectiveScan: () => [{ u: t([1, 8, 4]), delta: t([1, 8, 4]), A: t([4, 4], -1), B: t([1, 8, 1, 4]), C: t([1, 8, 1, 4]) }],
        causalConv1d: () => [{ x: t([1, 8, 4]), weight: t([4, 4]) }],
      };
      const out = {};
      for (const [name, args] of Object.entries(calls)) {
        const seen = [];
        try { kernels[name](...args()); seen.push('ok'); } catch (e) { seen.push(e.name + ':' + e.code); }
        try { await kernels[name + 'Async'](...args()); seen.push('ok'); } catch (e) { seen.push(e.name + ':' + e.code); }
        out[name] = seen;
      }
      out.softmax = kernels.softmax({ x: t([2, 4]) }).data.length; // no scratch: still runs
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body], {
      cwd: packageRoot,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, ATTNSCAN_TEST_FAIL_ALLOC: '1', ATTNSCAN_BACKEND: 'native' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const oom = ['OutOfMemoryError:ERR_OOM', 'OutOfMemoryError:ERR_OOM'];
    expect(JSON.parse(r.stdout)).toEqual({ attention: oom, linear: oom, rmsNorm: oom, rope: oom, selectiveScan: oom, causalConv1d: oom, softmax: 8 });
  });
});

describe('outputs and models too large for memory', () => {
  it.each(nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const))('a kernel output V8 cannot allocate is an OutOfMemoryError (%s)', (backend) => {
    // 2^31 rows x 2 features of f32 is past V8's largest typed array.
    const x = { data: new Float32Array(0), dims: [2 ** 31, 0] };
    const weight = new Tensor(new Float32Array(0), [2 ** 16, 0]);
    expect(() => kernels.linear({ x, weight }, { backend })).toThrow(OutOfMemoryError);
  });

  it('a checkpoint larger than memory is an OutOfMemoryError when read, not a crash', async () => {
    // A LLaMA whose embedding table (tied to the head) is a 412 GB hole in a sparse file.
    const vocab = 2 ** 31 - 1;
    const config: Record<string, unknown> = { architectures: ['LlamaForCausalLM'], ...tinyConfigs.LlamaForCausalLM };
    const small = tinyTensors(config);
    const hidden = config.hidden_size as number;
    delete small['model.embed_tokens.weight'];
    const header: Record<string, unknown> = {};
    let offset = 0;
    const chunks: Buffer[] = [];
    for (const [name, t] of Object.entries(small)) {
      const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      header[name] = { dtype: t.dtype, shape: t.dims, data_offsets: [offset, offset + bytes.length] };
      chunks.push(bytes);
      offset += bytes.length;
    }
    const big = vocab * hidden * 4;
    header['model.embed_tokens.weight'] = { dtype: 'F32', shape: [vocab, hidden], data_offsets: [offset, offset + big] };
    let json = Buffer.from(JSON.stringify(header));
    json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    const dir = mkdtempSync(join(root, 'huge-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, vocab_size: vocab }));
    const fd = openSync(join(dir, 'model.safetensors'), 'w');
    writeSync(fd, Buffer.concat([len, json, ...chunks]));
    try {
      ftruncateSync(fd, 8 + json.length + offset + big);
    } catch {
      closeSync(fd);
      return; // a filesystem without sparse files this large: nothing to test here
    } finally {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    await expect(loadModel(dir, { backend: 'ts' })).rejects.toThrow(OutOfMemoryError);
    if (nativeLoaded) {
      // Mapped: V8 refuses an external ArrayBuffer this large, which the loader reports.
      await expect(loadModel(dir, { backend: 'native' })).rejects.toThrow(CheckpointError);
    }
  });
});
