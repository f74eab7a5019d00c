// The multi-GiB path, as a script rather than a test (too slow and too big for CI): writes a sparse
// checkpoint of ~2.6 GiB — one 2.25 GiB f32 tensor (past the 2 GiB mark, so no 32-bit offset
// anywhere survives) and three f16 tensors after it — opens it, touches the first and last
// element of each weight, and reports load time and RSS. The data block is a hole, so the file
// takes no disk space and reads as zeros.
//   npx tsx bench/io/load-2gib.ts          mmap (the native backend's path)
//   npx tsx bench/io/load-2gib.ts --read   the TS path: reads all 2.6 GiB into one Buffer
//   npx tsx bench/io/load-2gib.ts --huge   loadModel's default on Linux: a copy in huge pages
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openCheckpoint } from '../../lib/io/checkpoint.js';

const GiB = 1024 ** 3;
const read = process.argv.includes('--read');
const huge = process.argv.includes('--huge');
const dir = mkdtempSync(join(tmpdir(), 'attnscan-2gib-'));
try {
  const layout: [string, string, number][] = [
    ['model.embed_tokens.weight', 'F32', 2.25 * GiB],
    ['model.layers.0.mlp.up_proj.weight', 'F16', 128 * 1024 ** 2],
    ['model.layers.0.mlp.down_proj.weight', 'F16', 128 * 1024 ** 2],
    ['lm_head.weight', 'F16', 64 * 1024 ** 2],
  ];
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, dtype, bytes] of layout) {
    const size = dtype === 'F32' ? 4 : 2;
    header[name] = { dtype, shape: [bytes / size / 1024, 1024], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header));
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const fd = openSync(join(dir, 'model.safetensors'), 'w');
  writeSync(fd, Buffer.concat([len, json]));
  ftruncateSync(fd, 8 + json.length + offset);
  closeSync(fd);
  writeFileSync(join(dir, 'config.json'), '{"architectures":["LlamaForCausalLM"]}');

  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  let calls = 0;
  const ckpt = await openCheckpoint(dir, { mmap: !read, hugePages: huge, onProgress: () => calls++ });
  const t1 = performance.now();
  let touched = 0;
  for (const name of ckpt.names()) {
    const w = ckpt.get(name);
    touched += w.data[0] + w.data[w.data.length - 1];
  }
  const gib = (n: number) => (n / GiB).toFixed(2);
  console.log(
    JSON.stringify({
      path: ckpt.mapped ? (huge ? 'huge-page copy' : 'mmap') : 'read',
      fileGiB: gib(ckpt.totalBytes),
      openMs: Math.round(t1 - t0),
      progressCalls: calls,
      rssGrowthMiB: Math.round((process.memoryUsage().rss - rss0) / 1024 ** 2),
      tensors: ckpt.names().length,
      checksum: touched,
    }),
  );
  ckpt.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
