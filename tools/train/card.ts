// Writes models/<name>/README.md (the model card) from the model's config.json and validation.json,
// with samples produced by attnscan itself (pipeline(), native backend when built):
//   npx tsx tools/train/card.ts [name ...]
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { DEFAULT_MODELS, type DefaultModelName, defaultModelDir } from '../../lib/models/defaults.js';
import { pipeline } from '../../lib/pipelines/index.js';
import type { FillMaskResult } from '../../lib/pipelines/index.js';

const PROMPTS = ['A hacker is', 'The Unix', 'In the early days of the ARPANET,'];
const MASKED = ['Unix is an operating [MASK].', 'He wrote the program in [MASK] language.', 'A [MASK] is a person who enjoys exploring the details of programmable systems.', 'This term is [MASK] used by hackers.'];
const SPANS = ['Unix is an operating <extra_id_0>.', 'He wrote the program in <extra_id_0> language.', 'A hacker is a person who enjoys <extra_id_0> the details of programmable systems.', 'This term is <extra_id_0> used by hackers.'];

const ABOUT: Record<DefaultModelName, { arch: (c: Record<string, number>) => string; objective: string; use: string }> = {
  'attnscan-llama-tiny': {
    arch: (c) => `LlamaForCausalLM: ${c.num_hidden_layers} layers, hidden ${c.hidden_size}, ${c.num_attention_heads} heads (${c.num_key_value_heads} K/V heads), SwiGLU ${c.intermediate_size}, RoPE, RMSNorm, tied embeddings`,
    objective: 'next-token prediction on windows of 128 tokens (each paragraph is `<s> text </s>`)',
    use: '`pipeline("text-generation")` with no folder, the CLI\'s `generate` default',
  },
  'attnscan-mamba-tiny': {
    arch: (c) => `MambaForCausalLM: ${c.num_hidden_layers} layers, hidden ${c.hidden_size}, inner ${c.intermediate_size}, state ${c.state_size}, dt rank ${c.time_step_rank}, conv ${c.conv_kernel}, tied embeddings`,
    objective: 'next-token prediction on the same windows and validation text as attnscan-llama-tiny, so the two compare directly',
    use: '`pipeline("text-generation", <this folder>)`',
  },
  'attnscan-bert-tiny': {
    arch: (c) => `BertForMaskedLM: ${c.num_hidden_layers} layers, hidden ${c.hidden_size}, ${c.num_attention_heads} heads, GELU FFN ${c.intermediate_size}, absolute positions (${c.max_position_embeddings}), MLM head tied to the word embeddings`,
    objective: 'masked-language modelling: 15% of the ordinary tokens chosen, of which 80% become `[MASK]`, 10% a random token, 10% stay; inputs `<s> text </s>` of 16 to 64 tokens',
    use: '`pipeline("fill-mask")` and `pipeline("feature-extraction")` with no folder',
  },
  'attnscan-t5-tiny': {
    arch: (c) => `T5ForConditionalGeneration: ${c.num_layers} encoder + ${c.num_decoder_layers} decoder layers, d_model ${c.d_model}, ${c.num_heads} heads of ${c.d_kv}, ReLU FFN ${c.d_ff}, relative position buckets ${c.relative_attention_num_buckets}, tied embeddings (output rescaled by d_model^-0.5)`,
    objective: 'span corruption: 15% of the tokens of a 16 to 128 token window in spans of mean length 3, each span replaced by a sentinel `<extra_id_k>` in the input; the target lists each sentinel and its span, then `</s>`',
    use: '`pipeline("text2text-generation")` with no folder: fills `<extra_id_0>` spans',
  },
};

// Seconds per step measured at the start of the run on a lightly loaded core (train.py's log).
const IDLE_STEP_SECONDS: Partial<Record<DefaultModelName, number>> = { 'attnscan-bert-tiny': 0.106, 'attnscan-t5-tiny': 0.15 };

const NOTES: Partial<Record<DefaultModelName, string>> = {
  'attnscan-bert-tiny': 'Small and trained on 1.3 MB of text: its training loss reached about 2.8 nats while the validation loss is 5.4, so it has partly memorised the Jargon File. Fills use the context for common phrasing ("This term is [MASK] used" → also / often / sometimes; "an operating [MASK]" → system) and fall back to frequent tokens or fragments for rarer words.',
  'attnscan-t5-tiny':
    'Fills use the input but are weak: the first token of a span (the one only the encoder can tell) is predicted well below the unigram level (5.27 nats against 6.49 for the training-set frequencies of span tokens; the previous model sat at 6.52) and the encoder matters (another example\'s input costs 2.47 nats there), yet its top-1 accuracy is 9%, so greedy fills are often function words (\" the\", \" a\", \", and\") and content words only where the context is common in the Jargon File (\"This term is ___ used\" ranks \" a\", \" not\", \" used\", \" to\", \" been\", \" often\"; \"an operating ___\" ranks the suffix \"ity\" first and \" system\" fifth). It ends spans less surely than the previous model, which put the next sentinel after almost every span token: sentinel targets 78% top-1 (loss 1.32 nats) against 98% (0.86), and it sometimes opens one sentinel more than the input has (`<extra_id_2>` after a two-sentinel prompt below). Its recipe starts from attnscan-llama-tiny\'s token embedding, so retraining that model changes this one. Why that start: span corruption labels about 5% of the encoder\'s tokens as first tokens of a span (about 50 per batch of 16), too few per step to learn token geometry from scratch; from random embeddings the encoder sat at the unigram level for the whole 8000-step run that made the previous model (first-token gap 0.012 nats), and the encoder alone, trained to predict each span\'s first token at its sentinel, stayed at 6.6 to 6.8 nats after 600 steps with neighbour-head biases, a 30x embedding lr or small inits, against 6.0 after 400 steps from the llama embedding. On the 64-example probe the first-token gap was 0.24 nats at step 500, 0.71 at 1000, 1.31 at 2000, 2.20 at 4500 and 2.33 at 6000 (a 4000-step run of the same recipe: whole-split loss 4.554, first-token loss 5.613, gap 1.788). Earlier tries (2,000-step runs from random embeddings, none off the plateau): lr 3e-3 and 5e-3, mean span 1, inputs of 16 to 48 tokens, batch 64, 4 encoder + 1 decoder layers, a 10x or 30x embedding lr, cross-attention started to match each sentinel to itself.',
};

/** The T5 recipe recorded in validation.json, in words. */
function recipe(r: Record<string, number | string>): string {
  const parts = [`dropout ${r.dropout} in training only`, `AdamW weight decay ${r.wd} on the matrices`];
  if (r.embed_from) parts.push(`the shared embedding started from attnscan-${r.embed_from}-tiny's token embedding rescaled to std 1 (the same tokenizer)`);
  if (Number(r.local_bias)) parts.push(`relative position biases started with neighbour heads (+${r.local_bias} on the previous and next token in the encoder, the previous in the decoder)`);
  if (Number(r.aux)) parts.push(`an auxiliary loss on the encoder alone (its output at each sentinel, through the tied head, predicts the first token of that span) with weight ${r.aux} fading linearly to 0 at ${Math.round(100 * Number(r.aux_until))}% of the run, so the rest trains on span corruption alone`);
  return parts.join('; ');
}

async function samples(name: DefaultModelName, dir: string): Promise<string[]> {
  const out: string[] = [];
  if (name === 'attnscan-llama-tiny' || name === 'attnscan-mamba-tiny') {
    const gen = await pipeline('text-generation', dir);
    try {
      for (const p of PROMPTS) out.push(`greedy (repetition penalty 1.2): ${JSON.stringify((await gen(p, { maxNewTokens: 30 })).generatedText)}`);
      for (const p of PROMPTS) {
        const r = await gen(p, { maxNewTokens: 30, temperature: 0.8, topK: 40, seed: 1 });
        out.push(`sampled (temperature 0.8, top-k 40, seed 1): ${JSON.stringify(r.generatedText)}`);
      }
    } finally {
      await gen.dispose();
    }
  } else if (name === 'attnscan-bert-tiny') {
    const fill = await pipeline('fill-mask', dir);
    try {
      for (const t of MASKED) {
        const r = (await fill(t, { topK: 5 })) as FillMaskResult[];
        out.push(`${JSON.stringify(t)} → ${r.map((c) => `${JSON.stringify(c.tokenStr)} ${c.score.toFixed(3)}`).join(', ')}`);
      }
    } finally {
      await fill.dispose();
    }
  } else {
    const t2t = await pipeline('text2text-generation', dir);
    try {
      for (const t of SPANS) out.push(`${JSON.stringify(t)} → ${JSON.stringify((await t2t(t, { maxNewTokens: 10 })).generatedText)}`);
      const raw = await t2t('The hacker <extra_id_0> the program and the <extra_id_1> of the system.', { maxNewTokens: 10 });
      out.push(`raw tokens for "The hacker <extra_id_0> the program and the <extra_id_1> of the system.": ${JSON.stringify(t2t.tokenizer.decode(raw.tokens))}`);
    } finally {
      await t2t.dispose();
    }
  }
  return out;
}

async function card(name: DefaultModelName): Promise<void> {
  const dir = defaultModelDir(name);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const v = JSON.parse(readFileSync(join(dir, 'validation.json'), 'utf8'));
  const about = ABOUT[name];
  const bytes = statSync(join(dir, 'model.safetensors')).size;
  const val = v.validation;
  const causal = val.bits_per_byte !== undefined;
  const lines = [
    `# ${name}`,
    '',
    `A ${DEFAULT_MODELS[name].family} model trained by attnscan's own script (\`tools/train/\`) and shipped in the npm package so that a first command does something real without a model hub. Used by ${about.use}. It is tiny and trained for minutes on one shared CPU core: it writes text with the shape of English and of its corpus, not sense.`,
    '',
    '## Data',
    '',
    `- ${v.corpus.source}. Debian's copyright file: "This document (the Jargon File) is in the public domain, to be freely used, shared, and modified." The weights are distributed under the package's MIT licence.`,
    `- Extraction: \`${v.corpus.extraction}\` from \`${v.corpus.file}\` (chapters, lexicon entries and appendices; paragraphs unwrapped; typographic quotes to ASCII; tables dropped).`,
    `- Split: ${v.corpus.split}. Training text ${v.corpus.train_bytes} bytes (sha256 \`${v.corpus.train_sha256}\`), validation ${v.corpus.valid_bytes} bytes (sha256 \`${v.corpus.valid_sha256}\`).`,
    '- Tokenizer: byte-level BPE with 2048 ids (21 special tokens, 256 bytes, 1771 merges) trained on the training split, shared by the four attnscan-*-tiny models.',
    '',
    '## Model',
    '',
    `- ${about.arch(config)}.`,
    `- Objective: ${about.objective}.`,
    `- ${v.params.toLocaleString('en-US')} parameters; \`model.safetensors\` ${bytes.toLocaleString('en-US')} bytes (float16).`,
    '',
    '## Training',
    '',
    `- \`${v.training.command}\` (PyTorch ${v.training.torch}, ${v.training.threads} thread, seed ${v.training.seed}; AdamW, lr ${v.training.lr} with warm-up and cosine decay, batch ${v.training.batch}).`,
    `- ${v.training.steps} steps in ${Math.round(v.training.seconds / 60)} min wall time on a 2-core machine shared with other jobs.`,
    ...(v.training.recipe ? [`- Recipe (\`T5\` in train.py): ${recipe(v.training.recipe)}.`] : []),
    ...(IDLE_STEP_SECONDS[name] ? [`- On an idle core a step takes about ${IDLE_STEP_SECONDS[name]} s (the run's first timed steps), so the same run takes about ${Math.round((IDLE_STEP_SECONDS[name]! * v.training.steps) / 60)} min there.`] : []),
    '',
    '## Validation',
    '',
    `- Whole validation split: loss ${val.loss.toFixed(4)} nats per predicted token over ${val.targets} targets, top-1 accuracy ${(100 * val.accuracy).toFixed(1)}%.`,
    ...(val.encoder_dependence
      ? [`- Encoder dependence (\`encoder_dependence\` in \`validation.json\`): on the first token of each span, the one only the encoder can tell, loss ${val.encoder_dependence.first.loss.toFixed(3)} nats and top-1 ${(100 * val.encoder_dependence.first.accuracy).toFixed(1)}% over ${val.encoder_dependence.first.targets} targets; with the encoder input of another example the loss is ${val.encoder_dependence.first.shuffled_encoder_loss.toFixed(3)} (gap ${val.encoder_dependence.first.encoder_gap.toFixed(3)} nats). All span tokens: loss ${val.encoder_dependence.content.loss.toFixed(3)}, top-1 ${(100 * val.encoder_dependence.content.accuracy).toFixed(1)}%, gap ${val.encoder_dependence.content.encoder_gap.toFixed(3)}.`]
      : []),
    ...(causal
      ? [`- Bits per byte: **${val.bits_per_byte.toFixed(3)}**; a unigram model of the training tokens scores ${val.unigram_bits_per_byte.toFixed(3)} (${(100 * (1 - val.bits_per_byte / val.unigram_bits_per_byte)).toFixed(0)}% lower).`]
      : []),
    `- \`validation.json\` keeps two slices of the validation split with the loss PyTorch computed on them from the float16 weights (${v.slice.loss.toFixed(5)} and ${v.quick.loss.toFixed(5)}); \`test/models/defaults.test.ts\` checks that attnscan reproduces both within 1e-3 on both backends.`,
    '',
    ...(NOTES[name] ? ['## Known weakness', '', NOTES[name], ''] : []),
    '## Samples (attnscan, `npx tsx tools/train/card.ts`)',
    '',
    ...(await samples(name, dir)).map((s) => `- ${s}`),
    '',
  ];
  writeFileSync(join(dir, 'README.md'), lines.join('\n'));
  console.log(`${dir}/README.md`);
}

const names = (process.argv.length > 2 ? process.argv.slice(2) : Object.keys(DEFAULT_MODELS)) as DefaultModelName[];
for (const n of names) await card(n);
