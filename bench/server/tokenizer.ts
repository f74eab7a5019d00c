// A byte-level BPE tokenizer for a synthetic checkpoint's whole vocabulary, so the server can
// encode prompts and decode every id the random model emits: ids 0-2 are <pad> <s> </s> (the
// synthetic configs' pad/bos/eos), then the 256 bytes, then filler words " w<id>".
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { bytesToUnicode } from '../../test/helpers/tokenizer-files.js';

export function writeVocabTokenizer(dir: string, vocabSize: number): void {
  const specials = ['<pad>', '<s>', '</s>'];
  const vocab: Record<string, number> = {};
  specials.forEach((t, i) => (vocab[t] = i));
  bytesToUnicode().forEach((ch, b) => (vocab[ch] = specials.length + b));
  // 'Ġ' is the byte-level spelling of a space; ASCII letters and digits spell themselves.
  for (let id = specials.length + 256; id < vocabSize; id++) vocab[`Ġw${id.toString(36)}`] = id;
  const tokenizer = {
    version: '1.0',
    added_tokens: specials.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges: [] },
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizerFast', pad_token: '<pad>', bos_token: '<s>', eos_token: '</s>' }));
}
