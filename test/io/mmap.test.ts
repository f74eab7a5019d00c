// The addon's mapFile: an external ArrayBuffer over a copy-on-write mmap, unmapped by the GC
// finalizer, errors carrying the errno name and the path. A 64 MiB sparse checkpoint stands in
// for the multi-GiB case (bench/io/load-2gib.ts exercises that one).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { openCheckpoint } from '../../lib/io/checkpoint.js';
import { nativeMapFile } from '../../lib/io/filebytes.js';
import { packageRoot } from '../../lib/util/paths.js';
import { sparseCheckpoint } from './sparse.js';

const mapFile = nativeMapFile();
const tmp = mkdtempSync(join(tmpdir(), 'attnscan-mmap-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MiB = 1024 * 1024;
describe.runIf(mapFile)('mapFile', () => {
  it('maps a 64 MiB file without copying it', async () => {
    const dir = sparseCheckpoint(tmp, 64 * MiB);
    const rss0 = process.memoryUsage().rss;
    const ckpt = await openCheckpoint(dir, { mmap: true });
    const w = ckpt.get('big');
    expect(w.data.length).toBe(16 * MiB);
    expect(w.data.buffer.byteLength).toBe(ckpt.totalBytes);
    expect(w.data[0]).toBe(0);
    expect(w.data[w.data.length - 1]).toBe(0);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(32 * MiB);
    ckpt.close();
    expect(w.data[12345]).toBe(0);
  });

  it('keeps writes into a view private (copy-on-write), never in the file', () => {
    const path = join(tmp, 'cow.bin');
    writeFileSync(path, Buffer.from([1, 2, 3, 4]));
    const view = new Uint8Array(mapFile!(path));
    view[0] = 99;
    expect(view[0]).toBe(99);
    expect(Array.from(readFileSync(path))).toEqual([1, 2, 3, 4]);
    expect(Array.from(new Uint8Array(mapFile!(path)))).toEqual([1, 2, 3, 4]);
  });

  it('maps an empty file as an empty buffer', () => {
    const path = join(tmp, 'empty.bin');
    writeFileSync(path, '');
    expect(mapFile!(path).byteLength).toBe(0);
  });

  it('throws errors with the errno name and the path', () => {
    const missing = join(tmp, 'missing.bin');
    expect(() => mapFile!(missing)).toThrow(expect.objectContaining({ code: 'ENOENT', message: expect.stringContaining(missing) }));
    const folder = join(tmp, 'a-folder');
    mkdirSync(folder);
    expect(() => mapFile!(folder)).toThrow(expect.objectContaining({ code: 'EISDIR', message: expect.stringContaining(folder) }));
    expect(() => (mapFile as unknown as (x: unknown) => void)(42)).toThrow(TypeError);
    expect(() => mapFile!('a\0b')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('refuses a FIFO instead of blocking on it', () => {
    const fifo = join(tmp, 'fifo');
    if (spawnSync('mkfifo', [fifo]).status !== 0) return;
    expect(() => mapFile!(fifo)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('not a regular file') }));
  });

  it('unmaps once the buffer is garbage collected', () => {
    const path = join(tmp, 'gc.bin');
    writeFileSync(path, Buffer.alloc(4096, 7));
    // A fresh process with --expose-gc counts its own mappings of the file in /proc/self/maps.
    const script = `
      const fs = require('fs');
      const addon = require('node-gyp-build')(${JSON.stringify(packageRoot)});
      const count = () => fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => l.endsWith(${JSON.stringify(path)})).length;
      let keep = [];
      for (let i = 0; i < 50; i++) keep.push(new Uint8Array(addon.mapFile(${JSON.stringify(path)})));
      const held = count();
      const survivor = keep[3];
      keep = null;
      // Backing stores are freed by (possibly concurrent) sweeping, then the finalizer runs from
      // the event loop: collect and wait until the count settles.
      let tries = 0;
      const poll = () => {
        global.gc();
        const after = count();
        if (after > 1 && ++tries < 200) return setTimeout(poll, 25);
        console.log(JSON.stringify({ held, after, byte: survivor[100] }));
      };
      setTimeout(poll, 10);`;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { cwd: packageRoot, encoding: 'utf8', timeout: 30_000 });
    if (!existsProcMaps()) return;
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.held).toBe(50);
    expect(out.after).toBe(1);
    expect(out.byte).toBe(7);
  });
});

describe.runIf(mapFile)('mapFile in huge pages', () => {
  it('copies the file: same bytes, private writes, whole 2 MiB pages', () => {
    const path = join(tmp, 'huge.bin');
    const data = Buffer.alloc(3 * MiB + 5);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    writeFileSync(path, data);
    const view = new Uint8Array(mapFile!(path, 'hugepages'));
    expect(view.length).toBe(data.length);
    expect(Buffer.from(view).equals(data)).toBe(true);
    view[0] = 99;
    expect(readFileSync(path)[0]).toBe(0);
    expect(new Uint8Array(mapFile!(path, 'hugepages'))[0]).toBe(0);
  });

  it('copies an empty file as an empty buffer and refuses what mmap refuses', () => {
    const path = join(tmp, 'empty-huge.bin');
    writeFileSync(path, '');
    expect(mapFile!(path, 'hugepages').byteLength).toBe(0);
    expect(() => mapFile!(join(tmp, 'missing.bin'), 'hugepages')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => mapFile!(tmp, 'hugepages')).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });

  it('rejects an unknown mode with a typed error', () => {
    const path = join(tmp, 'mode.bin');
    writeFileSync(path, 'x');
    const anyMode = mapFile as unknown as (p: string, m: unknown) => ArrayBuffer;
    expect(() => anyMode(path, 'huge')).toThrow(RangeError);
    expect(() => anyMode(path, 'huge')).toThrow(/'mmap' or 'hugepages', got 'huge'/);
    expect(() => anyMode(path, 2)).toThrow(TypeError);
    expect(anyMode(path, undefined).byteLength).toBe(1);
    expect(anyMode(path, 'mmap').byteLength).toBe(1);
  });

  it('openCheckpoint with hugePages reads the same tensors as the mapping', async () => {
    const dir = sparseCheckpoint(tmp, 4 * MiB);
    const a = await openCheckpoint(dir, { mmap: true });
    const b = await openCheckpoint(dir, { mmap: true, hugePages: true });
    expect(b.mapped).toBe(true);
    const bytes = (c: typeof a) => Buffer.from(c.get('big').data.buffer, c.get('big').data.byteOffset, c.get('big').data.byteLength);
    expect(bytes(b).length).toBe(4 * MiB);
    expect(bytes(b).equals(bytes(a))).toBe(true);
    a.close();
    b.close();
  });

  it('is backed by huge pages where the kernel grants them (Linux, transparent huge pages on madvise)', () => {
    let mode = '';
    try {
      mode = readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
    } catch {
      return;
    }
    if (!/\[(always|madvise)\]/.test(mode)) return;
    const path = join(tmp, 'thp.bin');
    writeFileSync(path, Buffer.alloc(16 * MiB, 1));
    // A fresh process, so the rollup's growth is this copy's.
    const script = `
      const fs = require('fs');
      const addon = require('node-gyp-build')(${JSON.stringify(packageRoot)});
      const huge = () => Number(/AnonHugePages:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/smaps_rollup', 'utf8'))[1]);
      const before = huge();
      const view = new Uint8Array(addon.mapFile(${JSON.stringify(path)}, 'hugepages'));
      console.log(JSON.stringify({ kib: huge() - before, byte: view[12345] }));`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: packageRoot, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.byte).toBe(1);
    // 8 huge pages hold the copy; at least one must be granted (the kernel may fall back for some
    // when memory is fragmented).
    expect(out.kib).toBeGreaterThanOrEqual(2048);
  });
});

function existsProcMaps(): boolean {
  try {
    readFileSync('/proc/self/maps');
    return true;
  } catch {
    return false;
  }
}
