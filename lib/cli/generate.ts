// attnscan generate: a prompt continued by a decoder (or answered by an encoder-decoder), streamed
// to stdout as it is generated, or one JSON object with --json.
import { runCompletion } from '../server/generation.js';
import { type Command, intOption, KV_CACHE_HELP, KV_CACHE_OPTION, MODEL_HELP, MODEL_OPTIONS, numOption, parse, textsFrom, UsageError, withModel, writeJson } from './common.js';

const options = {
  ...MODEL_OPTIONS,
  ...KV_CACHE_OPTION,
  'max-tokens': { type: 'string', short: 'n' },
  temperature: { type: 'string', short: 't' },
  'top-p': { type: 'string' },
  'top-k': { type: 'string' },
  seed: { type: 'string' },
  stop: { type: 'string', multiple: true },
} as const;

export const generateCommand: Command = {
  name: 'generate',
  summary: 'continue a prompt with a language model',
  usage: `attnscan generate [options] PROMPT...   (or the prompt on stdin)

Options:
  -n, --max-tokens N     new tokens at most (default 64)
  -t, --temperature T    0 = greedy (default 0)
      --top-p P          nucleus sampling
      --top-k K          top-k sampling
      --seed S           seed for sampling
      --stop TEXT        stop before TEXT (repeatable)
${KV_CACHE_HELP}
${MODEL_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options);
    const [prompt] = await textsFrom(positionals, io, true);
    const params = {
      maxTokens: intOption('max-tokens', values['max-tokens'], 0) ?? 64,
      temperature: numOption('temperature', values.temperature) ?? 0,
      topP: numOption('top-p', values['top-p']),
      topK: intOption('top-k', values['top-k'], 0),
      seed: intOption('seed', values.seed, 0),
      stop: values.stop ?? [],
    };
    if (params.temperature < 0) throw new UsageError('--temperature must be >= 0');
    return withModel({ value: values.model, task: 'text-generation', need: 'generate' }, values, io, async (s) => {
      let ids = s.tok.encode(prompt);
      if (ids.length === 0) ids = [s.tok.special.bos ?? s.tok.special.eos ?? 0];
      const ac = new AbortController();
      const onSigint = () => ac.abort();
      process.once('SIGINT', onSigint);
      const t0 = performance.now();
      let text = '';
      let finish = 'stop';
      const run = runCompletion(s, ids, params, ac.signal);
      try {
        for await (const piece of run.pieces) {
          text += piece.text;
          if (piece.finishReason) finish = piece.finishReason;
          if (!values.json) io.out.write(piece.text);
        }
      } finally {
        process.off('SIGINT', onSigint);
      }
      const seconds = (performance.now() - t0) / 1000;
      if (values.json) {
        writeJson(io, { model: s.name, prompt, text, finishReason: finish, promptTokens: ids.length, completionTokens: run.completionTokens, seconds });
      } else io.out.write('\n');
      return 0;
    });
  },
};
