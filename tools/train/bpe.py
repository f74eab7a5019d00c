"""One byte-level BPE tokenizer shared by the four embedded models, trained on the training split.

GPT-2's scheme: the ByteLevel pre-tokenizer regex splits the text, each piece's UTF-8 bytes map to
printable characters, merges join the most frequent adjacent pair (ties: the smaller pair). The
vocabulary is the special tokens, the 256 bytes, then one token per merge. The files are written in
the Hugging Face tokenizer.json layout; only the post-processor and the special-token roles differ
between the four models.
"""
import json
import re
from collections import Counter, defaultdict

VOCAB_SIZE = 2048
SENTINELS = 16
SPECIALS = ['<pad>', '</s>', '<s>', '<unk>', '[MASK]'] + [f'<extra_id_{i}>' for i in range(SENTINELS)]
PAD, EOS, BOS, UNK, MASK = 0, 1, 2, 3, 4
SENTINEL0 = 5

# GPT-2's pattern with Python's classes: letters = [^\W\d_], numbers = \d, the rest = not space,
# letter or number (which includes '_').
PATTERN = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_CHAR = bytes_to_unicode()


def pieces(text):
    return [''.join(BYTE_CHAR[b] for b in m.encode('utf-8')) for m in PATTERN.findall(text)]


def train(text, vocab_size=VOCAB_SIZE):
    words = Counter(pieces(text))
    base = SPECIALS + [BYTE_CHAR[b] for b in range(256)]
    ids = {t: i for i, t in enumerate(base)}
    vocab = list(base)
    seqs = [[ids[ch] for ch in w] for w in words]
    freq = list(words.values())
    pairs = Counter()
    where = defaultdict(set)
    for wi, s in enumerate(seqs):
        for a, b in zip(s, s[1:]):
            pairs[a, b] += freq[wi]
            where[a, b].add(wi)
    merges = []
    while len(vocab) < vocab_size and pairs:
        best = max(pairs.items(), key=lambda kv: (kv[1], -kv[0][0], -kv[0][1]))[0]
        if pairs[best] < 2:
            break
        new = len(vocab)
        vocab.append(vocab[best[0]] + vocab[best[1]])
        merges.append(best)
        for wi in list(where[best]):
            s, f = seqs[wi], freq[wi]
            for a, b in zip(s, s[1:]):
                pairs[a, b] -= f
                if pairs[a, b] <= 0:
                    del pairs[a, b]
            out, i = [], 0
            while i < len(s):
                if i + 1 < len(s) and (s[i], s[i + 1]) == best:
                    out.append(new)
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[wi] = out
            for a, b in zip(out, out[1:]):
                pairs[a, b] += f
                where[a, b].add(wi)
        del where[best]
    return vocab, [(vocab[a], vocab[b]) for a, b in merges]


class Encoder:
    def __init__(self, vocab, merges):
        self.ids = {t: i for i, t in enumerate(vocab)}
        self.rank = {m: r for r, m in enumerate(merges)}
        self.cache = {}

    def bpe(self, piece):
        if piece in self.cache:
            return self.cache[piece]
        parts = list(piece)
        while len(parts) > 1:
            ranked = [(self.rank.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            r, i = min(ranked)
            if r == 1 << 30:
                break
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        out = [self.ids[p] for p in parts]
        self.cache[piece] = out
        return out

    def encode(self, text):
        return [t for p in pieces(text) for t in self.bpe(p)]


def template(tokens):
    """TemplateProcessing for a list of special-token names and '$A'."""
    single = [{'Sequence': {'id': 'A', 'type_id': 0}} if t == '$A' else {'SpecialToken': {'id': t, 'type_id': 0}} for t in tokens]
    specials = {t: {'id': t, 'ids': [SPECIALS.index(t)], 'tokens': [t]} for t in tokens if t != '$A'}
    return {'type': 'TemplateProcessing', 'single': single, 'pair': single, 'special_tokens': specials}


# Per family: what the tokenizer adds around a text, and the special-token roles.
LAYOUTS = {
    'llama': (['<s>', '$A'], {'bos_token': '<s>', 'eos_token': '</s>', 'unk_token': '<unk>', 'pad_token': '<pad>'}),
    'mamba': (['<s>', '$A'], {'bos_token': '<s>', 'eos_token': '</s>', 'unk_token': '<unk>', 'pad_token': '<pad>'}),
    'bert': (['<s>', '$A', '</s>'], {'cls_token': '<s>', 'sep_token': '</s>', 'mask_token': '[MASK]', 'pad_token': '<pad>', 'unk_token': '<unk>'}),
    't5': (['$A', '</s>'], {'eos_token': '</s>', 'pad_token': '<pad>', 'unk_token': '<unk>'}),
}


def tokenizer_files(vocab, merges, family):
    post, roles = LAYOUTS[family]
    # lstrip: "a [MASK] b" puts the space into the blank, as training masks whole tokens such as " b".
    added = [{'id': i, 'content': t, 'single_word': False, 'lstrip': t == '[MASK]' or t.startswith('<extra_id_'), 'rstrip': False,
              'normalized': False, 'special': True} for i, t in enumerate(SPECIALS)]
    tok = {
        'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': added, 'normalizer': None,
        'pre_tokenizer': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True},
        'post_processor': template(post),
        'decoder': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': None, 'end_of_word_suffix': None,
                  'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False,
                  'vocab': {t: i for i, t in enumerate(vocab)}, 'merges': [[a, b] for a, b in merges]},
    }
    config = {'tokenizer_class': 'PreTrainedTokenizerFast', 'clean_up_tokenization_spaces': False, 'model_max_length': 1024, **roles}
    if family == 't5':
        config['additional_special_tokens'] = SPECIALS[SENTINEL0:]
    return tok, config


def write_tokenizer(dir_, vocab, merges, family):
    tok, config = tokenizer_files(vocab, merges, family)
    with open(f'{dir_}/tokenizer.json', 'w') as f:
        json.dump(tok, f, ensure_ascii=False)
    with open(f'{dir_}/tokenizer_config.json', 'w') as f:
        json.dump(config, f, indent=2)
