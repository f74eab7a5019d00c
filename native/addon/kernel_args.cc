// The validation every kernel call goes through (see kernel_args.h). Each reader checks dims and
// options first, then asks for each buffer with the exact length those dims imply.
#include "addon/kernel_args.h"

#include <cmath>
#include <string>

#include "kernels/embedding/embedding.h"
#include "kernels/norm/norm.h"
#include "kernels/softmax/softmax.h"

namespace attnscan {

// Two non-empty byte ranges share a byte.
static bool bytes_overlap(const void* p, size_t p_bytes, const void* q, size_t q_bytes) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p), b = reinterpret_cast<uintptr_t>(q);
  return p && q && p_bytes && q_bytes && a < b + q_bytes && b < a + p_bytes;
}

// The largest batch, sequence or head size the attention and cache readers take.
constexpr int64_t kMaxDim = int64_t(1) << 31;

// [begin, begin + n) and [other, other + n) share an element without being the same buffer.
static bool partial_overlap(const float* p, const float* q, int64_t n) {
  return p != q && bytes_overlap(p, size_t(n) * sizeof(float), q, size_t(n) * sizeof(float));
}

namespace {
// The head layout and softmax scale both attention entry points take.
void read_heads(ArgCheck& r, int64_t* heads, int64_t* kv_heads, int64_t* head_dim, float* scale) {
  *heads = r.dim("heads", 1, kMaxDim);
  *kv_heads = r.dim("kvHeads", 1, kMaxDim);
  *head_dim = r.dim("headDim", 1, kMaxDim);
  if (r.ok() && *heads % *kv_heads != 0)
    r.fail(Status::shape, "heads (" + std::to_string(*heads) + ") must be a multiple of kvHeads (" +
                              std::to_string(*kv_heads) + ")");
  *scale = r.real32("scale", r.ok() ? 1.0 / std::sqrt(double(*head_dim)) : 1.0);
}

// kvDtype: the storage of K and V (both): 'f32' (Float32Array) or 'f16' (Uint16Array of f16 bits).
KvDtype read_kv_dtype(ArgCheck& r) {
  const std::string name = r.string("kvDtype", "f32");
  if (name == "f16") return KvDtype::f16;
  if (r.ok() && name != "f32") r.fail(Status::range, "unknown kvDtype '" + name + "' (f32, f16)");
  return KvDtype::f32;
}

// A K or V buffer of `length` elements of the stated dtype.
const void* read_kv(ArgCheck& r, const char* name, KvDtype dt, int64_t length) {
  return dt == KvDtype::f16 ? static_cast<const void*>(r.u16(name, length)) : static_cast<const void*>(r.f32(name, length));
}

// The same for a cache the kernel writes.
void* read_kv_out(ArgCheck& r, const char* name, KvDtype dt, int64_t length) {
  return dt == KvDtype::f16 ? static_cast<void*>(r.u16_out(name, length)) : static_cast<void*>(r.f32(name, length));
}
}  // namespace

AttentionArgs read_attention(ArgCheck& r) {
  AttentionArgs a{};
  a.batch = r.dim("batch", 0, kMaxDim);
  a.seq_q = r.dim("seqQ", 0, kMaxDim);
  a.seq_k = r.dim("seqK", 0, kMaxDim);
  read_heads(r, &a.heads, &a.kv_heads, &a.head_dim, &a.scale);
  a.causal = r.boolean("causal", false);
  a.kv_dtype = read_kv_dtype(r);
  a.bias_batched = r.boolean("biasBatched", false);
  const int64_t q_len = r.product({a.batch, a.seq_q, a.heads, a.head_dim});
  const int64_t kv_len = r.product({a.batch, a.seq_k, a.kv_heads, a.head_dim});
  const int64_t bias_len = r.product({a.bias_batched ? a.batch : 1, a.heads, a.seq_q, a.seq_k});
  a.q = r.f32("q", q_len);
  a.k = read_kv(r, "k", a.kv_dtype, kv_len);
  a.v = read_kv(r, "v", a.kv_dtype, kv_len);
  a.out = r.f32("out", q_len);
  a.key_mask = r.u8("keyMask", r.product({a.batch, a.seq_k}), true);
  a.bias = r.f32("bias", bias_len, true);
  return a;
}
Result run_attention(const AttentionArgs& a) { return attention_f32(a); }

RaggedAttentionArgs read_ragged_attention(ArgCheck& r) {
  RaggedAttentionArgs a{};
  a.rows = r.dim("rows", 0, kRaggedMaxRows);
  read_heads(r, &a.heads, &a.kv_heads, &a.head_dim, &a.scale);
  a.kv_dtype = read_kv_dtype(r);
  const int64_t q_len = r.product({a.rows, a.heads, a.head_dim});
  a.q = r.f32("q", q_len);
  a.out = r.f32("out", q_len);
  for (int64_t i = 0; r.ok() && i < a.rows; ++i) {
    const std::string n = std::to_string(i);
    const int64_t seq_k = r.dim(("seqK" + n).c_str(), 0, kMaxDim);
    const int64_t kv_len = r.product({seq_k, a.kv_heads, a.head_dim});
    a.seq_k[i] = seq_k;
    a.k[i] = read_kv(r, ("k" + n).c_str(), a.kv_dtype, kv_len);
    a.v[i] = read_kv(r, ("v" + n).c_str(), a.kv_dtype, kv_len);
    a.key_mask[i] = r.u8(("keyMask" + n).c_str(), seq_k, true);
    a.bias[i] = r.f32(("bias" + n).c_str(), r.product({a.heads, seq_k}), true);
  }
  return a;
}
Result run_ragged_attention(const RaggedAttentionArgs& a) { return attention_ragged_f32(a); }

KvAppendArgs read_kv_append(ArgCheck& r) {
  KvAppendArgs a{};
  a.batch = r.dim("batch", 0, kMaxDim);
  a.seq = r.dim("seq", 0, kMaxDim);
  a.capacity = r.dim("capacity", 0, kMaxDim);
  a.row = r.dim("row", 0, kMaxDim);
  a.at = r.dim("at", 0, kMaxDim);
  if (r.ok() && a.at + a.seq > a.capacity)
    r.fail(Status::range, "at (" + std::to_string(a.at) + ") + seq (" + std::to_string(a.seq) + ") exceeds capacity (" +
                              std::to_string(a.capacity) + ")");
  a.dtype = read_kv_dtype(r);
  const int64_t n = r.product({a.batch, a.seq, a.row});
  const int64_t cache = r.product({a.batch, a.capacity, a.row});
  a.k = r.f32("k", n);
  a.v = r.f32("v", n);
  a.k_cache = read_kv_out(r, "kCache", a.dtype, cache);
  a.v_cache = read_kv_out(r, "vCache", a.dtype, cache);
  // The rows are copied in order: a cache sharing bytes with the other cache or with a source would
  // be overwritten before it is read.
  if (r.ok()) {
    const size_t cb = size_t(cache) * (a.dtype == KvDtype::f16 ? 2 : 4), sb = size_t(n) * sizeof(float);
    if (bytes_overlap(a.k_cache, cb, a.v_cache, cb) || bytes_overlap(a.k_cache, cb, a.k, sb) || bytes_overlap(a.k_cache, cb, a.v, sb) ||
        bytes_overlap(a.v_cache, cb, a.k, sb) || bytes_overlap(a.v_cache, cb, a.v, sb))
      r.fail(Status::shape, "kCache and vCache must not share memory with each other, k or v");
  }
  return a;
}
Result run_kv_append(const KvAppendArgs& a) { return kv_append(a); }

LinearArgs read_linear(ArgCheck& a) {
  LinearArgs p{};
  p.rows = a.dim("rows", 0);
  p.in = a.dim("inFeatures", 0);
  p.out = a.dim("outFeatures", 0);
  const std::string dtype = a.string("dtype", "f32");
  if (a.ok() && !parse_weight_type(dtype.c_str(), &p.wtype))
    a.fail(Status::range, "unknown weight dtype '" + dtype + "' (f32, f16, bf16)");
  const int64_t nx = a.product({p.rows, p.in});
  const int64_t nw = a.product({p.out, p.in});
  const int64_t ny = a.product({p.rows, p.out});
  p.x = a.f32("x", nx);
  p.w = p.wtype == WeightType::f32 ? static_cast<const void*>(a.f32("weight", nw)) : a.u16("weight", nw);
  p.bias = a.f32("bias", p.out, true);
  p.y = a.f32("out", ny);
  p.residual = a.f32("residual", ny, true);
  // In place (residual == out) reads each element before writing it; a shifted overlap would not.
  if (a.ok() && partial_overlap(p.residual, p.y, ny)) a.fail(Status::shape, "residual must be out itself or not overlap it");
  return p;
}
Result run_linear(const LinearArgs& a) { return matmul_linear(a); }

namespace {
// The weight of one product, its dtype read from `dtype_key` (weight type default f32).
const void* read_weight(ArgCheck& a, const std::string& key, const std::string& dtype_key, int64_t n, WeightType* wtype) {
  const std::string dtype = a.string(dtype_key.c_str(), "f32");
  if (a.ok() && !parse_weight_type(dtype.c_str(), wtype))
    a.fail(Status::range, "unknown weight dtype '" + dtype + "' for " + key + " (f32, f16, bf16)");
  if (!a.ok()) return nullptr;
  return *wtype == WeightType::f32 ? static_cast<const void*>(a.f32(key.c_str(), n)) : a.u16(key.c_str(), n);
}
}  // namespace

LinearGroupCall read_linear_group(ArgCheck& a) {
  LinearGroupCall c{};
  const int64_t rows = a.dim("rows", 0);
  const int64_t in = a.dim("inFeatures", 0);
  c.n = int(a.dim("parts", 1, kLinearGroupMaxParts));
  const float* x = a.f32("x", a.product({rows, in}));
  for (int i = 0; a.ok() && i < c.n; ++i) {
    const std::string s = std::to_string(i);
    LinearArgs& p = c.parts[i];
    p.x = x;
    p.rows = rows;
    p.in = in;
    p.out = a.dim(("outFeatures" + s).c_str(), 0);
    p.w = read_weight(a, "weight" + s, "dtype" + s, a.product({p.out, in}), &p.wtype);
    p.bias = a.f32(("bias" + s).c_str(), p.out, true);
    p.y = a.f32(("out" + s).c_str(), a.product({rows, p.out}));
  }
  return c;
}
Result run_linear_group(const LinearGroupCall& c) { return matmul_linear_group(c.parts, c.n); }

GatedLinearCall read_gated_linear(ArgCheck& a) {
  GatedLinearCall c{};
  LinearArgs& g = c.gate;
  g.rows = a.dim("rows", 0);
  g.in = a.dim("inFeatures", 0);
  g.out = a.dim("outFeatures", 0);
  const std::string kind_name = a.string("kind", "");
  c.kind = ActKind::silu;
  if (a.ok() && (!parse_act_kind(kind_name.c_str(), &c.kind) || c.kind == ActKind::relu))
    a.fail(Status::range, "unknown gate activation '" + kind_name + "' (silu, gelu_tanh, gelu)");
  g.x = a.f32("x", a.product({g.rows, g.in}));
  const int64_t nw = a.product({g.out, g.in});
  c.up = g;
  g.w = read_weight(a, "gate", "dtype", nw, &g.wtype);
  c.up.w = a.ok() ? (g.wtype == WeightType::f32 ? static_cast<const void*>(a.f32("up", nw)) : a.u16("up", nw)) : nullptr;
  c.up.wtype = g.wtype;
  g.bias = a.f32("gateBias", g.out, true);
  c.up.bias = a.f32("upBias", g.out, true);
  c.out = a.f32("out", a.product({g.rows, g.out}));
  return c;
}
Result run_gated_linear(const GatedLinearCall& c) { return matmul_gated_linear(c.gate, c.up, c.kind, c.out); }

ScanArgs read_selective_scan(ArgCheck& r) {
  ScanArgs a{};
  a.batch = r.dim("batch", 0);
  a.seq_len = r.dim("seqLen", 0);
  a.dim = r.dim("dim", 1);
  a.d_state = r.dim("dState", 1);
  a.groups = r.dim("groups", 1);
  if (r.ok() && a.dim % a.groups != 0)
    r.fail(Status::shape, "dim " + std::to_string(a.dim) + " is not a multiple of groups " + std::to_string(a.groups));
  const int64_t tokens = r.product({a.batch, a.seq_len, a.dim});
  const int64_t bc = r.product({a.batch, a.seq_len, a.groups, a.d_state});
  const int64_t states = r.product({a.batch, a.dim, a.d_state});
  a.u = r.f32("u", tokens);
  a.delta = r.f32("delta", tokens);
  a.A = r.f32("A", r.product({a.dim, a.d_state}));
  a.B = r.f32("B", bc);
  a.C = r.f32("C", bc);
  a.D = r.f32("D", a.dim, true);
  a.z = r.f32("z", tokens, true);
  a.delta_bias = r.f32("deltaBias", a.dim, true);
  a.delta_softplus = r.boolean("deltaSoftplus", false);
  a.state = r.f32("state", states, true);
  a.y = r.f32("y", tokens);
  a.last_state = r.f32("lastState", states);
  // In place (state == lastState) works channel by channel; a partial overlap would race.
  if (r.ok() && partial_overlap(a.state, a.last_state, states))
    r.fail(Status::shape, "lastState must be state itself or not overlap it");
  return a;
}
Result run_selective_scan(const ScanArgs& a) { return a.seq_len == 1 ? scan_step_f32(a) : scan_selective_f32(a); }

ConvArgs read_causal_conv1d(ArgCheck& r) {
  ConvArgs a{};
  a.batch = r.dim("batch", 0);
  a.seq_len = r.dim("seqLen", 0);
  a.dim = r.dim("dim", 0);
  a.width = r.dim("width", 1, 1 << 16);
  const std::string act = r.string("activation", "none");
  if (r.ok() && act != "silu" && act != "none") r.fail(Status::range, "unknown activation '" + act + "' (silu, none)");
  a.silu = act == "silu";
  const int64_t tokens = r.product({a.batch, a.seq_len, a.dim});
  const int64_t states = r.product({a.batch, a.dim, a.width - 1});
  a.x = r.f32("x", tokens);
  a.weight = r.f32("weight", r.product({a.dim, a.width}));
  a.bias = r.f32("bias", a.dim, true);
  a.state = r.f32("state", states, true);
  a.y = r.f32("y", tokens);
  a.new_state = r.f32("newState", states);
  if (r.ok() && bytes_overlap(a.state, size_t(states) * sizeof(float), a.new_state, size_t(states) * sizeof(float)))
    r.fail(Status::shape, "newState must not overlap state");
  return a;
}
Result run_causal_conv1d(const ConvArgs& a) { return a.seq_len == 1 ? conv_step_f32(a) : conv_causal_f32(a); }

RopeCall read_rope(ArgCheck& a) {
  RopeCall c{};
  const int64_t batch = a.dim("batch", 0), seq = a.dim("seq", 0), heads = a.dim("heads", 0);
  const int64_t head_dim = a.dim("headDim", 0, int64_t(1) << 24);
  const int64_t rotary_dim = a.dim("rotaryDim", 0, head_dim);
  if (a.ok() && rotary_dim % 2 != 0) a.fail(Status::range, "rotaryDim must be even, got " + std::to_string(rotary_dim));
  const bool interleaved = a.boolean("interleaved", false);
  const float scaling = a.real32("scaling", 1.0);
  c.tokens = a.product({batch, seq});
  const int64_t size = a.product({c.tokens, heads, head_dim});
  c.x = a.f32("x", size);
  c.out = a.f32("out", size);
  c.positions = a.i32("positions", c.tokens);
  c.inv_freq = a.f32("invFreq", rotary_dim / 2);
  c.p = RopeParams{heads, head_dim, rotary_dim, interleaved, scaling};
  if (a.has("k")) {
    c.k.heads = a.dim("kHeads", 0);
    const int64_t k_size = a.product({c.tokens, c.k.heads, head_dim});
    c.k.x = a.f32("k", k_size);
    c.k.y = a.f32("kOut", k_size);
    // Tasks write out and kOut side by side: no byte of one may be the other's.
    if (a.ok() && c.k.y && c.out && c.k.y < c.out + size && c.out < c.k.y + k_size) a.fail(Status::shape, "kOut must not overlap out");
  }
  return c;
}
Result run_rope(const RopeCall& c) { return rope_apply_f32(c.x, c.out, c.tokens, c.positions, c.inv_freq, c.p, c.k); }

// A weight-like buffer in the dtype its tag names; null when absent and optional.
static const void* read_tagged(ArgCheck& a, const char* name, const char* dtype_field, int64_t n, bool optional,
                               WeightDtype* dt) {
  const std::string tag = a.string(dtype_field, "f32");
  if (a.ok() && !parse_weight_dtype(tag.c_str(), dt))
    a.fail(Status::range, std::string(dtype_field) + " must be 'f32', 'f16' or 'bf16', got '" + tag + "'");
  if (*dt == WeightDtype::f32) return a.f32(name, n, optional);
  return a.u16(name, n, optional);
}

EmbeddingCall read_embedding(ArgCheck& a) {
  EmbeddingCall c{};
  c.vocab = a.dim("vocab", 0, int64_t(1) << 31);
  c.dim = a.dim("dim", 0);
  c.count = a.dim("count", 0);
  c.dtype = WeightDtype::f32;
  const int64_t table_size = a.product({c.vocab, c.dim});
  c.table = read_tagged(a, "table", "tableDtype", table_size, false, &c.dtype);
  c.ids = a.i32("ids", c.count);
  c.out = a.f32("out", a.product({c.count, c.dim}));
  return c;
}
Result run_embedding(const EmbeddingCall& c) {
  return embedding_gather(c.table, c.dtype, c.vocab, c.dim, c.ids, c.count, c.out);
}

static NormCall read_norm_common(ArgCheck& a) {
  NormCall n{};
  n.rows = a.dim("rows", 0);
  n.hidden = a.dim("hidden", 0);
  n.eps = a.real32("eps", 1e-6);
  if (a.ok() && n.eps < 0) a.fail(Status::range, "eps must be >= 0");
  const int64_t size = a.product({n.rows, n.hidden});
  n.x = a.f32("x", size);
  n.out = a.f32("out", size);
  n.weight_dtype = n.bias_dtype = WeightDtype::f32;
  n.weight = read_tagged(a, "weight", "weightDtype", n.hidden, true, &n.weight_dtype);
  return n;
}

NormCall read_rms_norm(ArgCheck& a) { return read_norm_common(a); }
Result run_rms_norm(const NormCall& n) {
  return norm_rms_f32(n.x, n.out, n.rows, n.hidden, n.weight, n.weight_dtype, n.eps);
}

NormCall read_layer_norm(ArgCheck& a) {
  NormCall n = read_norm_common(a);
  n.bias = read_tagged(a, "bias", "biasDtype", n.hidden, true, &n.bias_dtype);
  return n;
}
Result run_layer_norm(const NormCall& n) {
  return norm_layer_f32(n.x, n.out, n.rows, n.hidden, n.weight, n.weight_dtype, n.bias, n.bias_dtype, n.eps);
}

ActCall read_activation(ArgCheck& a) {
  ActCall c{};
  c.size = a.dim("size", 0);
  const std::string kind_name = a.string("kind", "");
  c.kind = ActKind::silu;
  if (a.ok() && !parse_act_kind(kind_name.c_str(), &c.kind))
    a.fail(Status::range, "unknown activation '" + kind_name + "' (silu, gelu, gelu_tanh, relu)");
  c.x = a.f32("x", c.size);
  c.out = a.f32("out", c.size);
  return c;
}
Result run_activation(const ActCall& c) { return act_apply_f32(c.kind, c.x, c.out, c.size); }

ActCall read_elementwise_gated(ArgCheck& a) {
  ActCall c{};
  c.size = a.dim("size", 0);
  const std::string kind_name = a.string("kind", "");
  c.kind = ActKind::silu;
  if (a.ok() && (!parse_act_kind(kind_name.c_str(), &c.kind) || c.kind == ActKind::relu))
    a.fail(Status::range, "unknown gate activation '" + kind_name + "' (silu, gelu_tanh, gelu)");
  c.x = a.f32("gate", c.size);
  c.up = a.f32("up", c.size);
  c.out = a.f32("out", c.size);
  return c;
}
Result run_elementwise_gated(const ActCall& c) { return elementwise_gated_f32(c.kind, c.x, c.up, c.out, c.size); }

BinaryCall read_elementwise_binary(ArgCheck& a) {
  BinaryCall c{};
  c.rows = a.dim("rows", 0);
  c.n = a.dim("n", 0);
  c.b_rows = a.dim("bRows", 0);
  if (a.ok() && c.b_rows != c.rows && c.b_rows != 1)
    a.fail(Status::range, "bRows must be rows or 1, got " + std::to_string(c.b_rows));
  const std::string kind_name = a.string("kind", "");
  c.kind = BinaryKind::add;
  if (a.ok() && !parse_binary_kind(kind_name.c_str(), &c.kind))
    a.fail(Status::range, "unknown op '" + kind_name + "' (add, mul)");
  const int64_t size = a.product({c.rows, c.n});
  c.a = a.f32("a", size);
  c.b = a.f32("b", a.product({c.b_rows, c.n}));
  c.out = a.f32("out", size);
  return c;
}
Result run_elementwise_binary(const BinaryCall& c) {
  return elementwise_binary_f32(c.kind, c.a, c.b, c.out, c.rows, c.n, c.b_rows);
}

SoftmaxCall read_softmax(ArgCheck& a) {
  SoftmaxCall c{};
  c.rows = a.dim("rows", 0);
  c.n = a.dim("n", 0);
  const int64_t size = a.product({c.rows, c.n});
  c.x = a.f32("x", size);
  c.out = a.f32("out", size);
  return c;
}
Result run_softmax(const SoftmaxCall& c) { return softmax_rows_f32(c.x, c.out, c.rows, c.n); }

}  // namespace attnscan
