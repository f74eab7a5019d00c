"""The four small models in plain PyTorch, with parameter names exactly as Hugging Face saves them.

Each follows the transformers module it is named after (LlamaForCausalLM, MambaForCausalLM,
BertForMaskedLM, T5ForConditionalGeneration) closely enough that the exported state dict loads in
both transformers and attnscan; only what these configs use is implemented (no cache; dropout only in T5, in training, where HF T5 puts it).
"""
import math

import torch
import torch.nn.functional as F
from torch import nn


def sdpa(q, k, v, causal=False):
    """softmax(q k^T / sqrt(d)) v (torch 1.13 has no F.scaled_dot_product_attention)."""
    s = (q @ k.transpose(-1, -2)) * q.shape[-1] ** -0.5
    if causal:
        t = q.shape[-2]
        s = s + torch.triu(torch.full((t, t), float('-inf')), 1)
    return torch.softmax(s, dim=-1) @ v


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def lin(i, o, bias=False):
    return nn.Linear(i, o, bias=bias)


# ---------------------------------------------------------------- LLaMA

def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


class LlamaAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.h, self.kv, self.hd = c['num_attention_heads'], c['num_key_value_heads'], c['hidden_size'] // c['num_attention_heads']
        d = c['hidden_size']
        self.q_proj, self.k_proj = lin(d, self.h * self.hd), lin(d, self.kv * self.hd)
        self.v_proj, self.o_proj = lin(d, self.kv * self.hd), lin(self.h * self.hd, d)
        inv = 1.0 / (c['rope_theta'] ** (torch.arange(0, self.hd, 2).float() / self.hd))
        self.register_buffer('inv_freq', inv, persistent=False)

    def forward(self, x):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.h, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv, self.hd).transpose(1, 2)
        f = torch.outer(torch.arange(t, dtype=torch.float32), self.inv_freq)
        emb = torch.cat((f, f), dim=-1)
        cos, sin = emb.cos(), emb.sin()
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        rep = self.h // self.kv
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        y = sdpa(q, k, v, causal=True)
        return self.o_proj(y.transpose(1, 2).reshape(b, t, -1))


class LlamaMLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, i = c['hidden_size'], c['intermediate_size']
        self.gate_proj, self.up_proj, self.down_proj = lin(d, i), lin(d, i), lin(i, d)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c['hidden_size'], c['rms_norm_eps'])
        self.self_attn = LlamaAttention(c)
        self.post_attention_layernorm = RMSNorm(c['hidden_size'], c['rms_norm_eps'])
        self.mlp = LlamaMLP(c)

    def forward(self, x):
        x = x + self.self_attn(self.input_layernorm(x))
        return x + self.mlp(self.post_attention_layernorm(x))


class LlamaModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c['vocab_size'], c['hidden_size'])
        self.layers = nn.ModuleList(LlamaLayer(c) for _ in range(c['num_hidden_layers']))
        self.norm = RMSNorm(c['hidden_size'], c['rms_norm_eps'])


class LlamaForCausalLM(nn.Module):
    """tie_word_embeddings: the head is model.embed_tokens.weight (no lm_head.weight saved)."""

    def __init__(self, c):
        super().__init__()
        self.model = LlamaModel(c)

    def forward(self, ids):
        x = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            x = layer(x)
        return self.model.norm(x) @ self.model.embed_tokens.weight.t()


# ---------------------------------------------------------------- Mamba

class SelectiveScan(torch.autograd.Function):
    """Mamba's selective scan, time-major: dt, u [t, b, d], B, C [t, b, n], A [d, n] ->
    y [t, b, d] with a_t = exp(dt_t A), h_t = a_t h_{t-1} + (dt_t u_t) B_t (h_{-1} = 0), y_t = h_t C_t.
    Forward and backward by hand: one tensor op per time step each way, the rest whole-sequence ops
    on contiguous [t, b, d, n] tensors (autograd through a Python loop was several times slower)."""

    @staticmethod
    def forward(ctx, dt, A, u, B, C):
        t, b, d = dt.shape
        n = A.shape[1]
        a = torch.exp(dt.unsqueeze(-1) * A)
        dtu = dt * u
        H = dtu.unsqueeze(-1) * B.unsqueeze(2)
        for i in range(1, t):
            H[i].addcmul_(a[i], H[i - 1])
        ctx.save_for_backward(dt, A, u, B, C, a, H)
        return torch.bmm(H.view(t * b, d, n), C.reshape(t * b, n, 1)).view(t, b, d)

    @staticmethod
    def backward(ctx, gy):
        dt, A, u, B, C, a, H = ctx.saved_tensors
        t, b, d = dt.shape
        n = A.shape[1]
        gy = gy.contiguous()
        G = gy.unsqueeze(-1) * C.unsqueeze(2)
        for i in range(t - 2, -1, -1):
            G[i].addcmul_(a[i + 1], G[i + 1])
        gC = torch.bmm(H.view(t * b, d, n).transpose(1, 2), gy.view(t * b, d, 1)).view(t, b, n)
        s = torch.zeros_like(G)
        torch.mul(G[1:], H[:-1], out=s[1:])
        s.mul_(a)
        g_dt = (s * A).sum(-1)
        gA = (s * dt.unsqueeze(-1)).sum((0, 1))
        g_dtu = torch.bmm(G.view(t * b, d, n), B.reshape(t * b, n, 1)).view(t, b, d)
        dtu = dt * u
        gB = torch.bmm(G.view(t * b, d, n).transpose(1, 2), dtu.view(t * b, d, 1)).view(t, b, n)
        return g_dt + g_dtu * u, gA, g_dtu * dt, gB, gC


class MambaMixer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, n, k = c['hidden_size'], c['state_size'], c['conv_kernel']
        self.inner, self.n, self.r = c['intermediate_size'], n, c['time_step_rank']
        self.in_proj = lin(d, 2 * self.inner)
        self.conv1d = nn.Conv1d(self.inner, self.inner, k, groups=self.inner, padding=k - 1, bias=True)
        self.x_proj = lin(self.inner, self.r + 2 * n)
        self.dt_proj = lin(self.r, self.inner, bias=True)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, n + 1, dtype=torch.float32)).repeat(self.inner, 1))
        self.D = nn.Parameter(torch.ones(self.inner))
        self.out_proj = lin(self.inner, d)
        # Mamba's dt init: softplus(bias) log-uniform in [time_step_min, time_step_max].
        dt = torch.exp(torch.rand(self.inner) * (math.log(c['time_step_max']) - math.log(c['time_step_min'])) + math.log(c['time_step_min']))
        dt = dt.clamp(min=c['time_step_floor'])
        with torch.no_grad():
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))
            nn.init.uniform_(self.dt_proj.weight, -self.r ** -0.5, self.r ** -0.5)

    def forward(self, x):
        b, t, _ = x.shape
        xz = self.in_proj(x)
        u, z = xz.chunk(2, dim=-1)
        u = F.silu(self.conv1d(u.transpose(1, 2))[..., :t]).transpose(1, 2)
        dt, B, C = self.x_proj(u).split([self.r, self.n, self.n], dim=-1)
        dt = F.softplus(self.dt_proj(dt))
        A = -torch.exp(self.A_log)
        tm = lambda v: v.transpose(0, 1).contiguous()  # noqa: E731
        y = SelectiveScan.apply(tm(dt), A, tm(u), tm(B), tm(C)).transpose(0, 1) + u * self.D
        return self.out_proj(y * F.silu(z))


class MambaBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = RMSNorm(c['hidden_size'], c['layer_norm_epsilon'])
        self.mixer = MambaMixer(c)

    def forward(self, x):
        return x + self.mixer(self.norm(x))


class MambaModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = nn.Embedding(c['vocab_size'], c['hidden_size'])
        self.layers = nn.ModuleList(MambaBlock(c) for _ in range(c['num_hidden_layers']))
        self.norm_f = RMSNorm(c['hidden_size'], c['layer_norm_epsilon'])


class MambaForCausalLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.backbone = MambaModel(c)

    def forward(self, ids):
        x = self.backbone.embeddings(ids)
        for layer in self.backbone.layers:
            x = layer(x)
        return self.backbone.norm_f(x) @ self.backbone.embeddings.weight.t()


# ---------------------------------------------------------------- BERT

class Dense(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.dense = nn.Linear(i, o)


class BertSelf(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)


class BertAttentionOut(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.dense = nn.Linear(d, d)
        self.LayerNorm = nn.LayerNorm(d, eps=eps)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelf(c['hidden_size'])
        self.output = BertAttentionOut(c['hidden_size'], c['layer_norm_eps'])


class BertOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c['intermediate_size'], c['hidden_size'])
        self.LayerNorm = nn.LayerNorm(c['hidden_size'], eps=c['layer_norm_eps'])


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.h = c['num_attention_heads']
        self.attention = BertAttention(c)
        self.intermediate = Dense(c['hidden_size'], c['intermediate_size'])
        self.output = BertOutput(c)

    def forward(self, x):
        b, t, d = x.shape
        s = self.attention.self
        q, k, v = (m(x).view(b, t, self.h, d // self.h).transpose(1, 2) for m in (s.query, s.key, s.value))
        y = sdpa(q, k, v).transpose(1, 2).reshape(b, t, d)
        o = self.attention.output
        x = o.LayerNorm(x + o.dense(y))
        return self.output.LayerNorm(x + self.output.dense(F.gelu(self.intermediate.dense(x))))


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c['hidden_size']
        self.word_embeddings = nn.Embedding(c['vocab_size'], d)
        self.position_embeddings = nn.Embedding(c['max_position_embeddings'], d)
        self.token_type_embeddings = nn.Embedding(c['type_vocab_size'], d)
        self.LayerNorm = nn.LayerNorm(d, eps=c['layer_norm_eps'])


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(c) for _ in range(c['num_hidden_layers']))


class BertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)


class BertTransform(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c['hidden_size'], c['hidden_size'])
        self.LayerNorm = nn.LayerNorm(c['hidden_size'], eps=c['layer_norm_eps'])


class BertPredictions(nn.Module):
    """The decoder is tied to the word embeddings; only its bias is a parameter of its own."""

    def __init__(self, c):
        super().__init__()
        self.transform = BertTransform(c)
        self.bias = nn.Parameter(torch.zeros(c['vocab_size']))


class BertHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.predictions = BertPredictions(c)


class BertForMaskedLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bert = BertModel(c)
        self.cls = BertHead(c)

    def forward(self, ids, only=None):
        """Logits at every position, or only where the bool mask `only` is set (training: the masked ones)."""
        e = self.bert.embeddings
        t = ids.shape[1]
        x = e.word_embeddings(ids) + e.position_embeddings.weight[:t] + e.token_type_embeddings.weight[0]
        x = e.LayerNorm(x)
        for layer in self.bert.encoder.layer:
            x = layer(x)
        if only is not None:
            x = x[only]
        p = self.cls.predictions
        x = p.transform.LayerNorm(F.gelu(p.transform.dense(x)))
        return x @ e.word_embeddings.weight.t() + p.bias


# ---------------------------------------------------------------- T5

def t5_bucket(rel, bidirectional, num_buckets, max_distance):
    buckets = torch.zeros_like(rel)
    if bidirectional:
        num_buckets //= 2
        buckets += (rel > 0).long() * num_buckets
        rel = rel.abs()
    else:
        rel = -torch.min(rel, torch.zeros_like(rel))
    exact = num_buckets // 2
    large = exact + (torch.log(rel.float().clamp(min=1) / exact) / math.log(max_distance / exact) * (num_buckets - exact)).long()
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(rel < exact, rel, large)


class T5Attention(nn.Module):
    def __init__(self, c, has_bias):
        super().__init__()
        d, self.h, self.dk = c['d_model'], c['num_heads'], c['d_kv']
        self.drop = nn.Dropout(c['dropout_rate'])
        self.q, self.k, self.v, self.o = lin(d, self.h * self.dk), lin(d, self.h * self.dk), lin(d, self.h * self.dk), lin(self.h * self.dk, d)
        if has_bias:
            self.relative_attention_bias = nn.Embedding(c['relative_attention_num_buckets'], self.h)

    def forward(self, x, kv, bias):
        b, t, _ = x.shape
        s = kv.shape[1]
        q = self.q(x).view(b, t, self.h, self.dk).transpose(1, 2)
        k = self.k(kv).view(b, s, self.h, self.dk).transpose(1, 2)
        v = self.v(kv).view(b, s, self.h, self.dk).transpose(1, 2)
        scores = q @ k.transpose(-1, -2)
        if bias is not None:
            scores = scores + bias
        y = self.drop(torch.softmax(scores.float(), dim=-1)) @ v
        return self.o(y.transpose(1, 2).reshape(b, t, -1))


class T5Sub(nn.Module):
    def __init__(self, c, kind, has_bias=False):
        super().__init__()
        self.layer_norm = RMSNorm(c['d_model'], c['layer_norm_epsilon'])
        if kind == 'self':
            self.SelfAttention = T5Attention(c, has_bias)
        elif kind == 'cross':
            self.EncDecAttention = T5Attention(c, False)
        else:
            self.DenseReluDense = nn.Module()
            self.DenseReluDense.wi = lin(c['d_model'], c['d_ff'])
            self.DenseReluDense.wo = lin(c['d_ff'], c['d_model'])


class T5Block(nn.Module):
    def __init__(self, c, decoder, first):
        super().__init__()
        kinds = ['self', 'cross', 'ff'] if decoder else ['self', 'ff']
        self.layer = nn.ModuleList(T5Sub(c, k, first and k == 'self') for k in kinds)
        self.drop = nn.Dropout(c['dropout_rate'])

    def forward(self, x, bias, enc=None, enc_bias=None):
        s = self.layer[0]
        x = x + self.drop(s.SelfAttention(s.layer_norm(x), s.layer_norm(x), bias))
        if enc is not None:
            c = self.layer[1]
            x = x + self.drop(c.EncDecAttention(c.layer_norm(x), enc, enc_bias))
        f = self.layer[-1]
        h = self.drop(F.relu(f.DenseReluDense.wi(f.layer_norm(x))))
        return x + self.drop(f.DenseReluDense.wo(h))


class T5Stack(nn.Module):
    def __init__(self, c, decoder):
        super().__init__()
        n = c['num_decoder_layers'] if decoder else c['num_layers']
        self.decoder = decoder
        self.c = c
        self.block = nn.ModuleList(T5Block(c, decoder, i == 0) for i in range(n))
        self.final_layer_norm = RMSNorm(c['d_model'], c['layer_norm_epsilon'])
        self.drop = nn.Dropout(c['dropout_rate'])

    def position_bias(self, t):
        pos = torch.arange(t)
        rel = pos[None, :] - pos[:, None]
        b = t5_bucket(rel, not self.decoder, self.c['relative_attention_num_buckets'], self.c['relative_attention_max_distance'])
        bias = self.block[0].layer[0].SelfAttention.relative_attention_bias(b).permute(2, 0, 1).unsqueeze(0)
        if self.decoder:
            bias = bias + torch.triu(torch.full((t, t), float('-inf')), 1)
        return bias

    def forward(self, x, enc=None):
        bias = self.position_bias(x.shape[1])
        x = self.drop(x)
        for blk in self.block:
            x = blk(x, bias, enc, None)
        return self.drop(self.final_layer_norm(x))


class T5ForConditionalGeneration(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.shared = nn.Embedding(c['vocab_size'], c['d_model'])
        self.encoder = T5Stack(c, False)
        self.decoder = T5Stack(c, True)
        self.scale = c['d_model'] ** -0.5

    def forward(self, ids, dec_ids, with_encoder=False):
        """Logits [b, t, vocab]; with_encoder: also the encoder's logits through the tied head [b, s, vocab]
        (train.py's auxiliary loss at the sentinels)."""
        enc = self.encoder(self.shared(ids))
        dec = self.decoder(self.shared(dec_ids), enc)
        logits = (dec * self.scale) @ self.shared.weight.t()
        return (logits, (enc * self.scale) @ self.shared.weight.t()) if with_encoder else logits


def init_weights(model, std=0.02, embed_std=0.02):
    for name, p in model.named_parameters():
        if p.dim() == 2 and 'dt_proj' not in name:
            nn.init.normal_(p, 0.0, embed_std if ('embed' in name or name.startswith('shared')) else std)
        if p.dim() == 1 and name.endswith('.bias') and 'dt_proj' not in name:
            nn.init.zeros_(p)
        if name.endswith(('o_proj.weight', 'down_proj.weight', 'out_proj.weight', '.wo.weight', '.o.weight')):
            nn.init.normal_(p, 0.0, std / math.sqrt(2 * 4))


def sinusoidal_positions(table, std):
    """Starts BERT's learned absolute positions from sin/cos waves (Vaswani et al. 2017) scaled to the
    word embeddings' size: relative offsets are then linear maps of the table, so attention finds
    the neighbouring tokens at once (from random positions MLM sat at the unigram plateau)."""
    n, d = table.shape
    pos = torch.arange(n, dtype=torch.float32)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, d, 2, dtype=torch.float32) / d)
    with torch.no_grad():
        table[:, 0::2] = torch.sin(pos * freq) * std * math.sqrt(2)
        table[:, 1::2] = torch.cos(pos * freq) * std * math.sqrt(2)


def t5_init(model, c):
    """Mesh TensorFlow's T5 initialisation (as in HF's T5PreTrainedModel._init_weights)."""
    d, dk, h, ff = c['d_model'], c['d_kv'], c['num_heads'], c['d_ff']
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('.q.weight'):
                nn.init.normal_(p, 0.0, (d * dk) ** -0.5)
            elif name.endswith(('.k.weight', '.v.weight', '.wi.weight')):
                nn.init.normal_(p, 0.0, d ** -0.5)
            elif name.endswith('.o.weight'):
                nn.init.normal_(p, 0.0, (h * dk) ** -0.5)
            elif name.endswith('.wo.weight'):
                nn.init.normal_(p, 0.0, ff ** -0.5)
            elif name.endswith('relative_attention_bias.weight'):
                nn.init.normal_(p, 0.0, d ** -0.5)


def t5_local_bias(model, c, strength):
    """Starts T5's relative position biases with neighbour heads: in the encoder head 0 on the
    previous token and head 1 on the next, in the decoder head 0 on the previous token (adds
    `strength` to those buckets), so a sentinel's encoder output holds its neighbours from step 0."""
    n = c['relative_attention_num_buckets']
    with torch.no_grad():
        enc = model.encoder.block[0].layer[0].SelfAttention.relative_attention_bias.weight
        enc[1, 0] += strength
        enc[n // 2 + 1, 1] += strength
        dec = model.decoder.block[0].layer[0].SelfAttention.relative_attention_bias.weight
        dec[1, 0] += strength
