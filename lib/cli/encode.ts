// attnscan embed | classify | fill-mask: encoder tasks over texts given as arguments (one text
// each) or on stdin, through the pipelines' task functions.
import { featureExtraction, fillMask, textClassification } from '../pipelines/encoders.js';
import { taskContext } from '../server/served.js';
import { type Command, intOption, MODEL_HELP, MODEL_OPTIONS, parse, textsFrom, withModel, writeJson } from './common.js';

const withTopK = { ...MODEL_OPTIONS, 'top-k': { type: 'string', short: 'k' } } as const;

export const embedCommand: Command = {
  name: 'embed',
  summary: 'sentence embeddings of texts',
  usage: `attnscan embed [options] TEXT...   (one embedding per argument, or the text on stdin)

Prints one line per text: its width, L2 norm and first values; --json prints every value.
Options:
${MODEL_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parse(argv, MODEL_OPTIONS);
    const texts = await textsFrom(positionals, io, false);
    return withModel({ value: values.model, task: 'feature-extraction' }, values, io, async (s) => {
      const out = await featureExtraction(taskContext(s), s.pooling, texts);
      const width = out.dims[1];
      const rows = texts.map((_, i) => Array.from(out.data.subarray(i * width, (i + 1) * width) as Float32Array));
      if (values.json) writeJson(io, { model: s.name, dims: width, embeddings: rows });
      else {
        rows.forEach((r, i) => {
          const norm = Math.sqrt(r.reduce((a, x) => a + x * x, 0));
          io.out.write(`[${i}] dims=${width} norm=${norm.toFixed(4)}  ${r.slice(0, 6).map((x) => x.toFixed(4)).join(' ')}${width > 6 ? ' ...' : ''}\n`);
        });
      }
      return 0;
    });
  },
};

export const classifyCommand: Command = {
  name: 'classify',
  summary: 'label scores of texts (a *ForSequenceClassification model)',
  usage: `attnscan classify --model DIR [options] TEXT...

Options:
  -k, --top-k N        labels per text (default: all)
${MODEL_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parse(argv, withTopK);
    const texts = await textsFrom(positionals, io, false);
    const topK = intOption('top-k', values['top-k'], 1) ?? null;
    return withModel({ value: values.model, need: 'classify' }, values, io, async (s) => {
      const results = await textClassification(taskContext(s), texts, { topK });
      if (values.json) writeJson(io, { model: s.name, results: texts.map((text, i) => ({ text, labels: results[i] })) });
      else results.forEach((labels, i) => io.out.write(`[${i}] ${labels.map((l) => `${l.label} ${l.score.toFixed(4)}`).join('  ')}\n`));
      return 0;
    });
  },
};

export const fillMaskCommand: Command = {
  name: 'fill-mask',
  summary: "candidates for the mask token (e.g. [MASK]) in texts",
  usage: `attnscan fill-mask [options] TEXT...   (each text holds the model's mask token)

Options:
  -k, --top-k N        candidates per mask (default 5)
${MODEL_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parse(argv, withTopK);
    const texts = await textsFrom(positionals, io, false);
    const topK = intOption('top-k', values['top-k'], 1) ?? 5;
    return withModel({ value: values.model, task: 'fill-mask', need: 'fill-mask' }, values, io, async (s) => {
      const results = await fillMask(taskContext(s), texts, { topK });
      if (values.json) writeJson(io, { model: s.name, results: texts.map((text, i) => ({ text, candidates: results[i] })) });
      else {
        results.forEach((r, i) => {
          const perMask = Array.isArray(r[0]) ? (r as { tokenStr: string; score: number }[][]) : [r as { tokenStr: string; score: number }[]];
          perMask.forEach((cands, m) => io.out.write(`[${i}${perMask.length > 1 ? `.${m}` : ''}] ${cands.map((c) => `${JSON.stringify(c.tokenStr)} ${c.score.toFixed(4)}`).join('  ')}\n`));
        });
      }
      return 0;
    });
  },
};
