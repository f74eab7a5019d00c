// attnscan bench: a quick speed check of one model. Decoders: time to first token (prefill) and
// decode tokens/s, greedy from a fixed prompt with EOS ignored. Encoders: forward passes per second.
import { type Command, intOption, KV_CACHE_HELP, KV_CACHE_OPTION, MODEL_HELP, MODEL_OPTIONS, parse, withModel, writeJson } from './common.js';

const options = {
  ...MODEL_OPTIONS,
  ...KV_CACHE_OPTION,
  tokens: { type: 'string', short: 'n' },
  'prompt-tokens': { type: 'string' },
  runs: { type: 'string' },
} as const;

export const benchCommand: Command = {
  name: 'bench',
  summary: 'a quick tokens/s (or forwards/s) measurement of a model',
  usage: `attnscan bench [options]

Options:
  -n, --tokens N         new tokens per run (default 32)
      --prompt-tokens N  prompt length (default 16)
      --runs N           timed runs after one warm-up (default 3; the best is reported)
${KV_CACHE_HELP}
${MODEL_HELP}`,
  async run(argv, io) {
    const { values } = parse(argv, options, false);
    const tokens = intOption('tokens', values.tokens, 1) ?? 32;
    const promptLen = intOption('prompt-tokens', values['prompt-tokens'], 1) ?? 16;
    const runs = intOption('runs', values.runs, 1) ?? 3;
    return withModel({ value: values.model, task: 'text-generation' }, values, io, async (s) => {
      const vocab = s.model.vocabSize;
      const prompt = Array.from({ length: promptLen }, (_, i) => 3 + ((i * 7919) % Math.max(1, vocab - 3)));
      const result: Record<string, unknown> = { model: s.name, architecture: s.model.architecture, backend: s.model.backend, promptTokens: promptLen };
      if (s.canGenerate) {
        let best = { ttftMs: Infinity, decodeTokensPerSecond: 0, generated: 0 };
        for (let r = 0; r <= runs; r++) {
          const t0 = performance.now();
          let first = 0;
          let n = 0;
          for await (const _ of s.model.generate(prompt, { maxNewTokens: tokens, eosTokenId: null })) {
            if (n++ === 0) first = performance.now();
          }
          const end = performance.now();
          if (r === 0) continue;
          const tps = n > 1 ? ((n - 1) * 1000) / (end - first) : 0;
          if (tps > best.decodeTokensPerSecond) best = { ttftMs: first - t0, decodeTokensPerSecond: tps, generated: n };
        }
        Object.assign(result, best);
        if (!values.json) io.out.write(`${s.name} (${s.model.architecture}, ${s.model.backend}): prefill ${promptLen} tokens + first token ${best.ttftMs.toFixed(1)} ms, decode ${best.decodeTokensPerSecond.toFixed(1)} tokens/s (${best.generated} tokens, best of ${runs})\n`);
      } else {
        const ids = { data: Int32Array.from(prompt), dims: [1, promptLen] };
        let bestMs = Infinity;
        for (let r = 0; r <= runs; r++) {
          const t0 = performance.now();
          await s.model.forward({ inputIds: ids });
          if (r > 0) bestMs = Math.min(bestMs, performance.now() - t0);
        }
        Object.assign(result, { forwardMs: bestMs, forwardsPerSecond: 1000 / bestMs });
        if (!values.json) io.out.write(`${s.name} (${s.model.architecture}, ${s.model.backend}): one ${promptLen}-token forward ${bestMs.toFixed(1)} ms (${(1000 / bestMs).toFixed(1)}/s, best of ${runs})\n`);
      }
      if (values.json) writeJson(io, result);
      return 0;
    });
  },
};
