// Property tests (fast-check) of the untrusted-file parsers: the safetensors header and range
// checks, the sharded checkpoint index and config.json. Whatever the bytes, the parser returns a
// header whose every invariant holds (ranges inside the data block, sizes matching shapes, no
// overlap, no hole) or throws CheckpointError: never another error, never a read out of range.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { CheckpointError } from '../../lib/errors.js';
import { openCheckpoint } from '../../lib/io/checkpoint.js';
import { nativeMapFile } from '../../lib/io/filebytes.js';
import { DTYPE_BYTES, decodeTensor, parseSafetensorsHeader, type SafetensorsHeader } from '../../lib/io/safetensors.js';
import { writeSafetensors } from '../../lib/io/safetensors-writer.js';
import { fcParams, propertyTimeout } from '../helpers/property.js';

const tmp = mkdtempSync(join(tmpdir(), 'attnscan-prop-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `f`; any error other than CheckpointError fails the property. */
function parseOrRefuse<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof CheckpointError) return undefined;
    throw e;
  }
}

/** Every guarantee a parsed header gives its readers, checked against the file it came from. */
function checkInvariants(h: SafetensorsHeader, file: Uint8Array): void {
  const dataSize = file.length - h.dataStart;
  expect(h.dataStart).toBeGreaterThanOrEqual(8);
  expect(dataSize).toBeGreaterThanOrEqual(0);
  let used = 0;
  const sorted = [...h.tensors.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (const t of sorted) {
    expect(Object.hasOwn(DTYPE_BYTES, t.dtype)).toBe(true);
    const count = t.shape.reduce((a, b) => a * b, 1);
    expect(t.end - t.begin).toBe(count * DTYPE_BYTES[t.dtype]);
    expect(t.end).toBeLessThanOrEqual(dataSize);
    if (t.end > t.begin) {
      expect(t.begin).toBe(used);
      used = t.end;
    }
    const d = parseOrRefuse(() => decodeTensor(file, h, t.name));
    if (d) expect(d.data.length).toBe(count);
    else expect(t.dtype).toBe('I64'); // the one refusal decode may add: an I64 outside int32
  }
  expect(used).toBe(dataSize);
}

function fileOf(header: unknown, data: Uint8Array, len?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, len ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const dtypeArb = fc.oneof(
  fc.constantFrom(...Object.keys(DTYPE_BYTES)),
  fc.constantFrom('F8', 'f32', 'constructor', '__proto__', 'toString', ''),
  fc.anything(),
);
const dimArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0.5, 2 ** 31, 2 ** 53, 2 ** 53 - 1, -0, 1e308, Number.NaN) },
);
const offsetArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 64 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, 2 ** 53, 2 ** 64, '8', null) },
);
const entryArb = fc.oneof(
  { weight: 10, arbitrary: fc.record({ dtype: dtypeArb, shape: fc.array(dimArb, { maxLength: 4 }), data_offsets: fc.tuple(offsetArb, offsetArb) }) },
  { weight: 1, arbitrary: fc.anything() },
);
const nameArb = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__metadata__', '__proto__', 'constructor', 'a.b', ''));
const headerArb = fc.dictionary(nameArb, entryArb, { maxKeys: 5 });

describe('parseSafetensorsHeader on hostile input', () => {
  it('arbitrary bytes: a valid header or CheckpointError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.integer({ min: 0, max: 1024 }), (bytes, extra) => {
        const h = parseOrRefuse(() => parseSafetensorsHeader(bytes, bytes.length));
        if (h) checkInvariants(h, bytes);
        parseOrRefuse(() => parseSafetensorsHeader(bytes, bytes.length + extra));
      }),
      fcParams(500),
    );
  }, propertyTimeout(10_000));

  it('structured headers with hostile dtypes, shapes and offsets', () => {
    fc.assert(
      fc.property(headerArb, fc.integer({ min: 0, max: 96 }), (header, dataSize) => {
        const file = fileOf(header, new Uint8Array(dataSize).map((_, i) => i * 37));
        const h = parseOrRefuse(() => parseSafetensorsHeader(file, file.length));
        if (h) checkInvariants(h, file);
      }),
      fcParams(1000),
    );
  }, propertyTimeout(10_000));

  it('valid files with lying length prefixes, truncation and flipped bytes', () => {
    const tensorsArb = fc.dictionary(
      fc.string({ minLength: 1, maxLength: 4 }),
      fc.record({ dtype: fc.constantFrom('F32' as const, 'F16' as const, 'BF16' as const, 'I32' as const, 'U8' as const), dims: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }) }),
      { maxKeys: 4 },
    );
    const mutationArb = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('length' as const), value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
      fc.record({ kind: fc.constant('append' as const), value: fc.integer({ min: 1, max: 9 }) }),
    );
    let n = 0;
    fc.assert(
      fc.property(tensorsArb, fc.array(mutationArb, { maxLength: 3 }), (spec, mutations) => {
        const path = join(tmp, `w${n++}.safetensors`);
        const tensors = Object.fromEntries(
          Object.entries(spec).map(([name, t]) => {
            const count = t.dims.reduce((a, b) => a * b, 1);
            const array = t.dtype === 'F32' ? Float32Array : t.dtype === 'I32' ? Int32Array : t.dtype === 'U8' ? Uint8Array : Uint16Array;
            return [name, { ...t, data: new array(count).map((_, i) => i + 1) }];
          }),
        );
        writeSafetensors(path, tensors);
        let file: Uint8Array = new Uint8Array(readFileSync(path));
        rmSync(path);
        const clean = parseSafetensorsHeader(file, file.length);
        checkInvariants(clean, file);
        for (const m of mutations) {
          if (m.kind === 'flip' && file.length > 0) file[m.at % file.length] = m.value;
          else if (m.kind === 'truncate') file = file.subarray(0, m.at % (file.length + 1));
          else if (m.kind === 'length' && file.length >= 8) new DataView(file.buffer, file.byteOffset).setBigUint64(0, m.value, true);
          else if (m.kind === 'append') file = new Uint8Array([...file, ...new Uint8Array(m.value)]);
        }
        const h = parseOrRefuse(() => parseSafetensorsHeader(file, file.length));
        if (h) checkInvariants(h, file);
      }),
      fcParams(300),
    );
  }, propertyTimeout(20_000));
});

// A folder's worth of hostile shard names: traversal, absolute, NUL, Windows separators, odd
// unicode, names of existing files outside and inside the folder.
const shardNameArb = fc.oneof(
  fc.constantFrom(
    's.safetensors', './s.safetensors', 'sub/s.safetensors', '../s.safetensors', '..', '.', '', '/etc/passwd',
    'sub/../s.safetensors', 'sub/../../outside.safetensors', '..\\s.safetensors', 'C:\\s.safetensors', 's.safetensors\0.x',
    '\u2025/s.safetensors', 'sub', 'config.json', 'model.safetensors.index.json',
  ),
  fc.string({ maxLength: 8 }),
  fc.anything(),
);

let folders = 0;
function checkpointFolder(files: Record<string, Uint8Array | string>): string {
  const dir = join(tmp, `ckpt${folders++}`);
  mkdirSync(join(dir, 'sub'), { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

const shard = (() => {
  const path = join(tmp, 'shard.safetensors');
  writeSafetensors(path, { a: { dtype: 'F32', dims: [2], data: Float32Array.from([1, 2]) }, b: { dtype: 'F32', dims: [1], data: Float32Array.from([3]) } });
  return new Uint8Array(readFileSync(path));
})();
writeFileSync(join(tmp, 'outside.safetensors'), shard);

describe.each([false, ...(nativeMapFile() ? [true] : [])])('openCheckpoint on hostile folders (mmap %s)', (mmap) => {
  it('shard index: every weight comes from a file inside the folder, or CheckpointError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('a', 'b', 'c', '__proto__'), shardNameArb, { maxKeys: 3 }), fc.boolean(), async (map, wrap) => {
        const index = wrap ? JSON.stringify({ weight_map: map }) : JSON.stringify(map);
        const dir = checkpointFolder({ 'config.json': '{}', 's.safetensors': shard, 'sub/s.safetensors': shard, 'model.safetensors.index.json': index });
        const ckpt = await openCheckpoint(dir, { mmap }).catch((e: unknown) => {
          if (e instanceof CheckpointError) return undefined;
          throw e;
        });
        if (!ckpt) return;
        for (const name of ckpt.names()) {
          const rel = relative(dir, ckpt.info(name).file);
          expect(rel.startsWith(`..${sep}`) || rel === '..' || rel.startsWith(sep)).toBe(false);
          expect(ckpt.get(name).data.length).toBe(name === 'a' ? 2 : 1);
        }
        ckpt.close();
      }),
      fcParams(60),
    );
  }, propertyTimeout(30_000));

  it('config.json and the index: any text is an object or CheckpointError', async () => {
    const textArb = fc.oneof(fc.string({ maxLength: 40 }), fc.json(), fc.constantFrom('null', '[]', '"x"', '{"__proto__":{"a":1}}', '\uFEFF{}'));
    await fc.assert(
      fc.asyncProperty(textArb, textArb, async (config, index) => {
        const dir = checkpointFolder({ 'config.json': config, 's.safetensors': shard, 'model.safetensors.index.json': index });
        const ckpt = await openCheckpoint(dir, { mmap }).catch((e: unknown) => {
          if (e instanceof CheckpointError) return undefined;
          throw e;
        });
        if (!ckpt) return;
        expect(typeof ckpt.config).toBe('object');
        expect(Array.isArray(ckpt.config)).toBe(false);
        ckpt.close();
      }),
      fcParams(60),
    );
  }, propertyTimeout(30_000));
});
