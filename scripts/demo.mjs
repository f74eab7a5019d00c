#!/usr/bin/env node
// A first run on a fresh machine: the embedded default models (models/, trained by tools/train on
// the Jargon File) doing each family's job through pipeline() with no model folder: LLaMA and Mamba
// continue a prompt, BERT fills a [MASK], T5 fills a sentinel span. Runs the built package (dist/,
// made by `npm ci` through the prepare script). `npm run demo -- --kernels`: the kernel tour instead.
import { fileURLToPath } from 'node:url';

if (process.argv.includes('--kernels')) {
  await import('./demo-kernels.mjs');
} else {
  const { backendInfo, pipeline } = await import('../dist/esm/index.js');
  const mambaDir = fileURLToPath(new URL('../models/attnscan-mamba-tiny', import.meta.url));
  console.log(`backend: ${backendInfo().backend}\n`);
  const show = (p, job, text) => console.log(`${p.modelName.padEnd(20)} ${job.padEnd(16)} ${text}`);
  const once = async (task, dir, fn) => {
    const p = await pipeline(task, dir);
    try {
      await fn(p);
    } finally {
      await p.dispose();
    }
  };

  const prompt = 'A hacker is';
  for (const dir of [undefined, mambaDir]) {
    await once('text-generation', dir, async (gen) => {
      const r = await gen(prompt, { maxNewTokens: 30 });
      show(gen, 'generates', JSON.stringify(r.generatedText));
    });
  }
  await once('fill-mask', undefined, async (fill) => {
    const text = 'The program was written in [MASK] and ran on a Unix box.';
    const r = await fill(text, { topK: 5 });
    show(fill, 'fills [MASK]', `${JSON.stringify(text)} -> ${r.map((c) => `${JSON.stringify(c.tokenStr.trim())} ${c.score.toFixed(2)}`).join(', ')}`);
  });
  await once('text2text-generation', undefined, async (t2t) => {
    const text = 'The program was written in <extra_id_0> and ran on a Unix box.';
    const r = await t2t(text, { maxNewTokens: 8 });
    show(t2t, 'fills a span', `${JSON.stringify(text)} -> <extra_id_0> = ${JSON.stringify(r.generatedText.trim())}`);
  });
}
