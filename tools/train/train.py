"""Trains attnscan's embedded default models and exports them as Hugging Face checkpoints.

  /usr/bin/python3 tools/train/train.py all --minutes 9       # tokenizer, then the four models
  /usr/bin/python3 tools/train/train.py llama --minutes 9     # one model (llama, mamba, bert, t5)
  /usr/bin/python3 tools/train/train.py llama --steps 480     # a fixed step count instead of a time budget

With --minutes, the step count is fixed after 10 timed steps (budget / step time) and logged, so
the cosine schedule runs to completion; --steps N repeats a logged run exactly. Writes
models/attnscan-<family>-tiny/ (config.json, model.safetensors in f16, the tokenizer files,
validation.json: a validation slice with the loss PyTorch computes on it from the f16 weights).
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpe  # noqa: E402
import corpus  # noqa: E402
import nets  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
V = bpe.VOCAB_SIZE
SEQ = 128
SEED = 1234
# T5 span corruption: the fraction of tokens hidden and the mean length of a hidden span.
NOISE = 0.15
MEAN_SPAN = 3

CONFIGS = {
    'llama': {
        'architectures': ['LlamaForCausalLM'], 'model_type': 'llama', 'vocab_size': V, 'hidden_size': 128, 'intermediate_size': 384,
        'num_hidden_layers': 4, 'num_attention_heads': 4, 'num_key_value_heads': 2, 'hidden_act': 'silu', 'max_position_embeddings': 512,
        'rms_norm_eps': 1e-6, 'rope_theta': 10000.0, 'rope_scaling': None, 'attention_bias': False, 'mlp_bias': False,
        'tie_word_embeddings': True, 'bos_token_id': bpe.BOS, 'eos_token_id': bpe.EOS, 'pad_token_id': bpe.PAD, 'torch_dtype': 'float16',
    },
    'mamba': {
        'architectures': ['MambaForCausalLM'], 'model_type': 'mamba', 'vocab_size': V, 'hidden_size': 144, 'intermediate_size': 288,
        'num_hidden_layers': 6, 'state_size': 8, 'conv_kernel': 4, 'expand': 2, 'time_step_rank': 9, 'hidden_act': 'silu',
        'layer_norm_epsilon': 1e-5, 'use_bias': False, 'use_conv_bias': True, 'residual_in_fp32': True, 'tie_word_embeddings': True,
        'time_step_min': 0.001, 'time_step_max': 0.1, 'time_step_floor': 1e-4, 'time_step_scale': 1.0, 'time_step_init_scheme': 'random',
        'bos_token_id': bpe.BOS, 'eos_token_id': bpe.EOS, 'pad_token_id': bpe.PAD, 'torch_dtype': 'float16',
    },
    'bert': {
        'architectures': ['BertForMaskedLM'], 'model_type': 'bert', 'vocab_size': V, 'hidden_size': 128, 'intermediate_size': 512,
        'num_hidden_layers': 4, 'num_attention_heads': 4, 'hidden_act': 'gelu', 'max_position_embeddings': 512, 'type_vocab_size': 2,
        'layer_norm_eps': 1e-12, 'position_embedding_type': 'absolute', 'hidden_dropout_prob': 0.0, 'attention_probs_dropout_prob': 0.0,
        'pad_token_id': bpe.PAD, 'torch_dtype': 'float16',
    },
    't5': {
        'architectures': ['T5ForConditionalGeneration'], 'model_type': 't5', 'vocab_size': V, 'd_model': 128, 'd_kv': 32, 'd_ff': 384,
        'num_layers': 3, 'num_decoder_layers': 3, 'num_heads': 4, 'relative_attention_num_buckets': 32,
        'relative_attention_max_distance': 128, 'feed_forward_proj': 'relu', 'dense_act_fn': 'relu', 'is_gated_act': False,
        'layer_norm_epsilon': 1e-6, 'dropout_rate': 0.0, 'tie_word_embeddings': True, 'is_encoder_decoder': True,
        'decoder_start_token_id': bpe.PAD, 'eos_token_id': bpe.EOS, 'pad_token_id': bpe.PAD, 'torch_dtype': 'float16',
    },
}
CLASSES = {'llama': nets.LlamaForCausalLM, 'mamba': nets.MambaForCausalLM, 'bert': nets.BertForMaskedLM, 't5': nets.T5ForConditionalGeneration}
# Steps between two logs of the T5 encoder-dependence probe.
PROBE_EVERY = 500
# Encoder input lengths (tokens) of the masked models, drawn per batch.
MIN_LEN = 16
MAX_LEN = {'bert': SEQ // 2, 't5': SEQ}
# Small batches for the causal models (more updates of fewer tokens learn faster at this scale); the
# encoders label only 15% of their tokens, so they need larger batches for a usable gradient.
BATCH = {'llama': 8, 'mamba': 8, 'bert': 32, 't5': 16}
LR = {'llama': 3e-3, 'mamba': 3e-3, 'bert': 1e-3, 't5': 1e-3}
# Post-LayerNorm BERT sits on the unigram plateau and can diverge without a long warm-up.
WARMUP = {'llama': 30, 'mamba': 30, 'bert': 500, 't5': 200}
# The T5 recipe (train.py t5 --set key=value overrides one for an experiment; validation.json records them):
#   dropout: HF T5's dropout_rate, in training only (attnscan and model.eval() ignore it);
#   aux, aux_until: weight of an auxiliary loss on the encoder alone (its output at each sentinel through
#     the tied head predicts the first token of that span), faded linearly to 0 at aux_until of the run,
#     so the last part trains on span corruption alone; local_bias: t5_local_bias strength (0: off);
#   embed_from: start the shared embedding from this default model's token embedding (same tokenizer),
#     rescaled to T5's std 1.0 ('' : random); wd: AdamW weight decay of the matrices; noise/mean_span: the span corruption.
T5 = {'dropout': 0.1, 'aux': 1.0, 'aux_until': 0.6, 'local_bias': 4.0, 'embed_from': 'llama', 'wd': 0.1, 'lr': 1e-3, 'batch': 16,
      'warmup': 200, 'noise': NOISE, 'mean_span': MEAN_SPAN, 'probe_every': 500}
GENERATION = {
    'llama': {'bos_token_id': bpe.BOS, 'eos_token_id': bpe.EOS, 'pad_token_id': bpe.PAD, 'max_new_tokens': 40, 'do_sample': False, 'repetition_penalty': 1.2},
    'mamba': {'bos_token_id': bpe.BOS, 'eos_token_id': bpe.EOS, 'pad_token_id': bpe.PAD, 'max_new_tokens': 40, 'do_sample': False, 'repetition_penalty': 1.2},
    't5': {'decoder_start_token_id': bpe.PAD, 'eos_token_id': bpe.EOS, 'pad_token_id': bpe.PAD, 'max_new_tokens': 20},
}


def log(*a):
    print(time.strftime('%H:%M:%S'), *a, flush=True)


# ---------------------------------------------------------------- data

def tokenizer_and_streams():
    """The BPE (trained once, cached in build-train/) and the token streams of both splits:
    every paragraph as <s> paragraph </s>."""
    cache = os.path.join(ROOT, 'build-train', 'data.json')
    train_text, valid_text = corpus.splits()
    if os.path.exists(cache):
        d = json.load(open(cache))
        if d['train_sha256'] == corpus.sha256(train_text):
            return d
    log('training the tokenizer')
    vocab, merges = bpe.train(train_text)
    enc = bpe.Encoder(vocab, merges)

    def stream(text):
        out = []
        for p in text.split('\n'):
            if p:
                out += [bpe.BOS] + enc.encode(p) + [bpe.EOS]
        return out

    d = {'vocab': vocab, 'merges': merges, 'train': stream(train_text), 'valid': stream(valid_text),
         'train_sha256': corpus.sha256(train_text), 'valid_sha256': corpus.sha256(valid_text),
         'train_bytes': len(train_text.encode()), 'valid_bytes': len(valid_text.encode())}
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    json.dump(d, open(cache, 'w'))
    log(f"tokenizer: {len(vocab)} tokens; train {len(d['train'])} tokens, valid {len(d['valid'])} tokens")
    return d


def causal_windows(stream):
    """Non-overlapping windows of SEQ targets: inputs s[i:i+SEQ], labels s[i+1:i+SEQ+1]."""
    n = (len(stream) - 1) // SEQ
    s = torch.tensor(stream[:n * SEQ + 1])
    return s[:-1].view(n, SEQ), s[1:].view(n, SEQ)


def mlm_example(rng, stream, start, length):
    """<s> + stream[start:start+length-2] + </s>; 15% of the ordinary tokens are chosen, of which 80%
    become [MASK], 10% a random ordinary token, 10% stay; labels are -100 elsewhere."""
    body = np.array(stream[start:start + length - 2])
    ids = np.concatenate([[bpe.BOS], body, [bpe.EOS]])
    labels = np.full_like(ids, -100)
    ordinary = np.where(ids >= len(bpe.SPECIALS))[0]
    k = max(1, int(round(0.15 * len(ordinary))))
    chosen = rng.choice(ordinary, size=k, replace=False)
    labels[chosen] = ids[chosen]
    r = rng.random(k)
    ids[chosen[r < 0.8]] = bpe.MASK
    rand = chosen[(r >= 0.8) & (r < 0.9)]
    ids[rand] = rng.integers(len(bpe.SPECIALS), V, size=len(rand))
    return ids, labels


def t5_stream(stream):
    """T5's text has no <s>: paragraphs end with </s>."""
    return [t for t in stream if t != bpe.BOS]


def span_example(rng, stream, start, length, density=None, mean_span=None):
    """T5 span corruption of stream[start:start+length]: NOISE of the tokens in spans of mean length
    MEAN_SPAN, each span replaced by the next sentinel in the input; the target lists each sentinel then its span."""
    density, mean_span = density or NOISE, mean_span or MEAN_SPAN
    toks = stream[start:start + length]
    n = len(toks)
    noise = max(1, int(round(density * n)))
    spans = max(1, min(bpe.SENTINELS, int(round(noise / mean_span))))
    noise = max(noise, spans)

    def split(total, parts):
        cuts = np.sort(rng.choice(np.arange(1, total), size=parts - 1, replace=False)) if parts > 1 else np.array([], dtype=int)
        return np.diff(np.concatenate([[0], cuts, [total]]))

    noise_len, keep_len = split(noise, spans), split(n - noise, spans)
    inp, tgt, pos = [], [], 0
    for i in range(spans):
        inp += toks[pos:pos + keep_len[i]]
        pos += keep_len[i]
        inp.append(bpe.SENTINEL0 + i)
        tgt += [bpe.SENTINEL0 + i] + toks[pos:pos + noise_len[i]]
        pos += noise_len[i]
    return inp + [bpe.EOS], tgt + [bpe.EOS]


def pad_to(rows, value):
    m = max(len(r) for r in rows)
    return torch.tensor([list(r) + [value] * (m - len(r)) for r in rows])


def batch(family, rng, stream, size, density=None, mean_span=None):
    if family in ('llama', 'mamba'):
        starts = rng.integers(0, len(stream) - SEQ - 1, size=size)
        x = torch.tensor(np.stack([stream[s:s + SEQ + 1] for s in starts]))
        return (x[:, :-1],), x[:, 1:]
    # Encoders see lengths from 16 tokens (one length per batch, so no padding), as fill-mask inputs are
    # short; BERT mostly short ones, so the few hundred CPU-seconds go into more updates.
    length = int(rng.integers(MIN_LEN, MAX_LEN[family] + 1))
    starts = rng.integers(0, len(stream) - length - 1, size=size)
    if family == 'bert':
        ex = [mlm_example(rng, stream, s, length) for s in starts]
        return (torch.tensor(np.stack([e[0] for e in ex])),), torch.tensor(np.stack([e[1] for e in ex]))
    ex = [span_example(rng, stream, s, length, density, mean_span) for s in starts]
    tgt = pad_to([e[1] for e in ex], -100)
    dec = torch.cat([torch.full((size, 1), bpe.PAD), tgt[:, :-1].clamp(min=0)], dim=1)
    return (pad_to([e[0] for e in ex], bpe.PAD), dec), tgt


def validation_examples(family, stream, count=None, seq=SEQ, density=None, mean_span=None):
    """The validation split as fixed examples of `seq` tokens (masking and spans seeded), the first `count` or all."""
    if family in ('llama', 'mamba'):
        n = (len(stream) - 1) // seq
        x = torch.tensor(stream[:n * seq + 1])
        x, y = x[:-1].view(n, seq), x[1:].view(n, seq)
        return [((x[i:i + 1],), y[i:i + 1]) for i in range(n if count is None else count)]
    if family == 't5':
        stream = t5_stream(stream)
    rng = np.random.default_rng(SEED)
    out = []
    step = seq - 2 if family == 'bert' else seq
    for i, s in enumerate(range(0, len(stream) - step, step)):
        if count is not None and i == count:
            break
        if family == 'bert':
            ids, labels = mlm_example(rng, stream, s, seq)
            out.append(((torch.tensor(ids)[None],), torch.tensor(labels)[None]))
        else:
            inp, tgt = span_example(rng, stream, s, seq, density, mean_span)
            t = torch.tensor(tgt)[None]
            out.append(((torch.tensor(inp)[None], torch.cat([torch.tensor([[bpe.PAD]]), t[:, :-1]], dim=1)), t))
    return out


def nll(model, inputs, labels):
    """Summed negative log-likelihood (nats) over the labelled positions, and their count."""
    if isinstance(model, nets.BertForMaskedLM):
        # The MLM head only where there is a label: most of its cost saved.
        keep = labels != -100
        return F.cross_entropy(model(*inputs, only=keep).float(), labels[keep], reduction='sum'), int(keep.sum())
    return nll_of(model(*inputs), labels)


def nll_of(logits, labels):
    """Summed negative log-likelihood (nats) of logits [..., V] over the labelled positions, and their count."""
    loss = F.cross_entropy(logits.float().reshape(-1, V), labels.reshape(-1), ignore_index=-100, reduction='sum')
    return loss, int((labels != -100).sum())


def batched(examples, size=16):
    """Concatenates runs of same-shaped examples into batches (no padding needed)."""
    out, i = [], 0
    while i < len(examples):
        j = i + 1
        shape = [x.shape for x in examples[i][0]]
        while j < len(examples) and j - i < size and [x.shape for x in examples[j][0]] == shape and examples[j][1].shape == examples[i][1].shape:
            j += 1
        group = examples[i:j]
        out.append((tuple(torch.cat([g[0][k] for g in group]) for k in range(len(shape))), torch.cat([g[1] for g in group])))
        i = j
    return out


@torch.no_grad()
def evaluate(model, examples):
    total, n, correct = 0.0, 0, 0
    for inputs, labels in batched(examples):
        logits = model(*inputs).float()
        total += float(F.cross_entropy(logits.reshape(-1, V), labels.reshape(-1), ignore_index=-100, reduction='sum'))
        keep = labels != -100
        n += int(keep.sum())
        correct += int((logits.argmax(-1)[keep] == labels[keep]).sum())
    return total, n, correct


def sentinel_labels(ids, labels):
    """For the auxiliary encoder loss: at each sentinel of the encoder input, the first token of its span
    (the token after the same sentinel in the target); -100 elsewhere."""
    out = torch.full_like(ids, -100)
    for b in range(ids.shape[0]):
        lab = labels[b].tolist()
        first = {t: lab[i + 1] for i, t in enumerate(lab[:-1]) if bpe.SENTINEL0 <= t < len(bpe.SPECIALS)}
        for p, t in enumerate(ids[b].tolist()):
            if t in first:
                out[b, p] = first[t]
    return out


def content_mask(labels):
    """T5 targets that are span tokens (not a sentinel, </s> or padding): the part only the encoder can tell."""
    return labels >= len(bpe.SPECIALS)


@torch.no_grad()
def encoder_dependence(model, examples):
    """Loss and top-1 accuracy on the content targets (span tokens, not sentinels or </s>) and on the
    first token of each span (the one after its sentinel, which only the encoder can tell), with each
    example's own encoder input and with the encoder input of another example of the batch (rolled by
    one): the gap is what the decoder takes from the encoder; about 0 means it ignores it."""
    was = model.training
    model.eval()
    sums = {k: [0.0, 0.0, 0, 0] for k in ('content', 'first')}
    for (ids, dec), labels in batched(examples):
        logits, rolled = model(ids, dec).float(), model(ids.roll(1, dims=0), dec).float()
        content = content_mask(labels)
        first = content & (dec >= bpe.SENTINEL0) & (dec < len(bpe.SPECIALS))
        for k, keep in (('content', content), ('first', first)):
            t = sums[k]
            t[0] += float(F.cross_entropy(logits[keep], labels[keep], reduction='sum'))
            t[1] += float(F.cross_entropy(rolled[keep], labels[keep], reduction='sum'))
            t[2] += int((logits[keep].argmax(-1) == labels[keep]).sum())
            t[3] += int(keep.sum())
    model.train(was)
    out = {}
    for k, (own, other, correct, n) in sums.items():
        out[k] = {'targets': n, 'loss': own / n, 'accuracy': correct / n, 'shuffled_encoder_loss': other / n, 'encoder_gap': (other - own) / n}
    return out


# ---------------------------------------------------------------- export

def f16_round(model):
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())


def write_safetensors(path, tensors):
    """safetensors: 8-byte little-endian header length, the JSON header, then the raw data."""
    header, blobs, offset = {'__metadata__': {'format': 'pt'}}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().contiguous().half().numpy().astype('<f2').tobytes()
        header[name] = {'dtype': 'F16', 'shape': list(tensors[name].shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def unigram_bits(train, valid):
    counts = np.bincount(np.array(train), minlength=V).astype(np.float64) + 1
    logp = np.log2(counts / counts.sum())
    # The same targets as the causal windows: every validation token but the first.
    x, y = causal_windows(valid)
    return float(-logp[y.reshape(-1).numpy()].sum())


OUT = {}


def model_dir(family):
    return OUT.get(family) or os.path.join(ROOT, 'models', f'attnscan-{family}-tiny')


def export(family, model, d, info):
    out = model_dir(family)
    os.makedirs(out, exist_ok=True)
    f16_round(model)
    write_safetensors(os.path.join(out, 'model.safetensors'), dict(model.state_dict()))
    cfg = dict(CONFIGS[family])
    cfg['transformers_version'] = '4.40.2'
    json.dump(cfg, open(os.path.join(out, 'config.json'), 'w'), indent=2)
    if family in GENERATION:
        json.dump(GENERATION[family], open(os.path.join(out, 'generation_config.json'), 'w'), indent=2)
    bpe.write_tokenizer(out, d['vocab'], [tuple(m) for m in d['merges']], family)
    write_validation(family, model, d, info)


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    return {k: torch.from_numpy(np.frombuffer(data[v['data_offsets'][0]:v['data_offsets'][1]], dtype='<f2').astype(np.float32).reshape(v['shape']))
            for k, v in header.items() if k != '__metadata__'}


def revalidate(family):
    """Recomputes validation.json from the exported weights (keeps its training record)."""
    d = tokenizer_and_streams()
    model = CLASSES[family](CONFIGS[family])
    model.load_state_dict(read_safetensors(os.path.join(model_dir(family), 'model.safetensors')))
    info = json.load(open(os.path.join(model_dir(family), 'validation.json')))['training']
    write_validation(family, model, d, info)


def write_validation(family, model, d, info):
    model.eval()
    name = f'attnscan-{family}-tiny'
    full = validation_examples(family, d['valid'])
    total, n, correct = evaluate(model, full)

    def sliced(examples):
        s_total, s_n, _ = evaluate(model, examples)
        return {'inputs': [[x[0].tolist() for x in inp] for inp, _ in examples], 'labels': [lab[0].tolist() for _, lab in examples],
                'loss': s_total / s_n}

    params = sum(p.numel() for p in model.parameters())
    about = {
        'llama': 'inputs: [input_ids] per example (no padding); labels: the next token at each position',
        'mamba': 'inputs: [input_ids] per example (no padding); labels: the next token at each position',
        'bert': 'inputs: [input_ids] (<s> text </s>, 15% of the ordinary tokens chosen, 80/10/10 [MASK]/random/kept, seeded); labels: -100 = not chosen',
        't5': f'inputs: [input_ids, decoder_input_ids] (span corruption: {NOISE:.0%} noise, mean span {MEAN_SPAN}, seeded; decoder input = <pad> + labels[:-1])',
    }[family]
    v = {
        'model': name,
        'corpus': {'source': corpus.PACKAGE, 'file': corpus.SOURCE, 'extraction': 'tools/train/corpus.py',
                   'train_sha256': d['train_sha256'], 'valid_sha256': d['valid_sha256'],
                   'train_bytes': d['train_bytes'], 'valid_bytes': d['valid_bytes'],
                   'split': f'every {corpus.HOLDOUT_EVERY}th paragraph is held out for validation'},
        'about': about + '; loss = mean cross-entropy (nats) over the labelled positions, computed by PyTorch in float32 '
                         'from the float16 weights in model.safetensors',
        'slice': sliced(validation_examples(family, d['valid'], 2)),
        'quick': sliced(validation_examples(family, d['valid'], 1, 32)),
        'validation': {'examples': len(full), 'targets': n, 'loss': total / n, 'accuracy': correct / n},
        'params': params,
        'training': info,
    }
    if family == 't5':
        v['validation']['encoder_dependence'] = encoder_dependence(model, full)
        v['validation']['encoder_dependence']['about'] = (
            'content = span tokens (not sentinels or </s>); first = the first token of each span (decoder input is its '
            'sentinel); shuffled_encoder_loss: the same targets with the encoder input of the previous validation example; '
            'encoder_gap = shuffled - own loss in nats (0: the encoder is ignored)')
    if family in ('llama', 'mamba'):
        v['validation']['bits_per_byte'] = total / math.log(2) / d['valid_bytes']
        v['validation']['unigram_bits_per_byte'] = unigram_bits(d['train'], d['valid']) / d['valid_bytes']
        v['validation']['about'] = ('the whole validation stream (<s> paragraph </s> ...) in windows of 128 targets; bits per byte = '
                                    'summed target bits / UTF-8 bytes of the validation text; the unigram baseline uses the training '
                                    'token frequencies (add-one)')
    json.dump(v, open(os.path.join(model_dir(family), 'validation.json'), 'w'), indent=1)
    log(f"{name}: {params} params; validation loss {v['validation']['loss']:.4f}", v['validation'])


# ---------------------------------------------------------------- training

def train(family, minutes, steps, threads, overrides=()):
    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    d = tokenizer_and_streams()
    r = dict(T5)
    for kv in overrides:
        k, v = kv.split('=', 1)
        if k not in r:
            raise SystemExit(f'unknown T5 recipe key {k} (one of {", ".join(r)})')
        r[k] = type(r[k])(v)
    if family == 't5':
        CONFIGS['t5']['dropout_rate'] = r['dropout']
        BATCH['t5'], LR['t5'], WARMUP['t5'] = r['batch'], r['lr'], r['warmup']
    model = CLASSES[family](CONFIGS[family])
    nets.init_weights(model, embed_std=1.0 if family == 't5' else 0.02)
    if family == 't5':
        # With 0.02 everywhere the encoder's outputs collapsed to one vector (cosine 0.9999 between
        # tokens) and the decoder learned an unconditional model: every span came out as ".".
        nets.t5_init(model, CONFIGS['t5'])
        if r['local_bias']:
            nets.t5_local_bias(model, CONFIGS['t5'], r['local_bias'])
        if r['embed_from']:
            # Span corruption labels about 5% of the encoder's tokens as first tokens of a span, too few per
            # step to learn token geometry from scratch (the encoder stayed at the unigram level for 8000
            # steps); the causal default learns it from every token.
            src = read_safetensors(os.path.join(ROOT, 'models', f"attnscan-{r['embed_from']}-tiny", 'model.safetensors'))
            w = next(v for k, v in src.items() if k.endswith(('embed_tokens.weight', 'embeddings.weight', 'word_embeddings.weight')))
            with torch.no_grad():
                model.shared.weight.copy_(w / w.std())
    if family == 'bert':
        nets.sinusoidal_positions(model.bert.embeddings.position_embeddings.weight, std=0.02)
    params = sum(p.numel() for p in model.parameters())
    log(f'{family}: {params} parameters' + (f'; recipe {r}' if family == 't5' else ''))
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and 'A_log' not in n]
    other = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and 'A_log' not in n)]
    wd = r['wd'] if family == 't5' else 0.1
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': wd}, {'params': other, 'weight_decay': 0.0}], lr=LR[family], betas=(0.9, 0.95))
    warmup, t0, total_steps, step = WARMUP[family], time.time(), steps, 0
    probe = 10
    stream = t5_stream(d['train']) if family == 't5' else d['train']
    # A few validation examples for the encoder-dependence probe (about a second on one core), with
    # T5's standard noise whatever the recipe so that runs compare.
    probe_set = validation_examples('t5', d['valid'], 64, 64, 0.15, 3) if family == 't5' else None
    while True:
        if step == 1:
            t1 = time.time()
        if total_steps is None and step == probe + 1:
            # The first step (allocator and thread start-up) is left out of the estimate.
            per = (time.time() - t1) / probe
            total_steps = max(probe + 1, int((minutes * 60 - (t1 - t0)) / per))
            log(f'{family}: {per:.2f} s/step -> {total_steps} steps')
        if total_steps is not None and step >= total_steps:
            break
        horizon = total_steps or 10 ** 6
        lr = LR[family] * min(1.0, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, step / horizon))))
        for g in opt.param_groups:
            g['lr'] = lr
        if family == 't5':
            inputs, labels = batch(family, rng, stream, BATCH[family], r['noise'], r['mean_span'])
            aux = r['aux'] * max(0.0, 1.0 - step / (r['aux_until'] * horizon))
            if aux > 0:
                logits, enc_logits = model(*inputs, with_encoder=True)
                aux_loss = F.cross_entropy(enc_logits.float().reshape(-1, V), sentinel_labels(inputs[0], labels).reshape(-1), ignore_index=-100)
            else:
                logits, aux_loss = model(*inputs), torch.zeros(())
            loss, n = nll_of(logits, labels)
            loss = loss / n
            total = loss + aux * aux_loss
        else:
            inputs, labels = batch(family, rng, stream, BATCH[family])
            loss, n = nll(model, inputs, labels)
            loss = total = loss / n
        opt.zero_grad(set_to_none=True)
        total.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 20 == 0 or step <= 3:
            extra = f' aux {aux_loss.item():.4f} x{aux:.2f}' if family == 't5' else ''
            log(f'{family} step {step}/{total_steps} loss {loss.item():.4f}{extra} lr {lr:.2e} {time.time() - t0:.0f}s')
        if probe_set and step % r['probe_every'] == 0:
            log(f'{family} step {step} encoder dependence', encoder_dependence(model, probe_set))
    seconds = time.time() - t0
    sets = ''.join(f' --set {kv}' for kv in overrides)
    info = {'steps': step, 'batch': BATCH[family], 'seq': SEQ, 'lr': LR[family], 'seconds': round(seconds), 'threads': threads, 'seed': SEED,
            'command': f'/usr/bin/python3 tools/train/train.py {family} --steps {step} --threads {threads}{sets}', 'torch': torch.__version__}
    if family == 't5':
        info['recipe'] = r
    export(family, model, d, info)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('family', choices=['all', 'tokenizer', *CONFIGS])
    ap.add_argument('--revalidate', action='store_true', help='only recompute validation.json from the exported weights')
    ap.add_argument('--minutes', type=float, default=9.0)
    ap.add_argument('--steps', type=int, default=None)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--set', action='append', default=[], metavar='KEY=VALUE', help='override one entry of the T5 recipe (train.py T5)')
    ap.add_argument('--out', default=None, help='export to this folder instead of models/attnscan-<family>-tiny (experiments)')
    a = ap.parse_args()
    if a.family == 'tokenizer':
        tokenizer_and_streams()
        return
    torch.set_num_threads(a.threads)
    if a.out:
        OUT.update({f: os.path.abspath(a.out) for f in CONFIGS})
    for f in (CONFIGS if a.family == 'all' else [a.family]):
        if a.revalidate:
            revalidate(f)
        else:
            train(f, a.minutes, a.steps, a.threads, a.set)


if __name__ == '__main__':
    main()
