#include <cmath>
#include <string>
#include <vector>

#include "common/half.h"
#include "common/pool.h"
#include "kernels/attention/attention.h"
#include "tests/check.h"
#include "tests/guard.h"

namespace attnscan {
namespace {

struct Shape {
  int64_t batch, seq_q, seq_k, heads, kv_heads, head_dim;
  bool causal;
  int mask;  // 0 none, 1 random, 2 batch 0 fully masked
  int bias;  // 0 none, 1 shared, 2 batched
};

std::string label(const Shape& s) {
  return "b" + std::to_string(s.batch) + "q" + std::to_string(s.seq_q) + "k" + std::to_string(s.seq_k) + "h" +
         std::to_string(s.heads) + "kv" + std::to_string(s.kv_heads) + "d" + std::to_string(s.head_dim) +
         (s.causal ? "-causal" : "") + "-mask" + std::to_string(s.mask) + "-bias" + std::to_string(s.bias);
}

// x rounded to f16 in place; returns the f16 bits.
std::vector<uint16_t> round_f16(std::vector<float>& x) {
  std::vector<uint16_t> h(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    h[i] = f32_to_f16(x[i]);
    x[i] = f16_to_f32(h[i]);
  }
  return h;
}

// kv f16: K and V are rounded to f16; the reference runs on the rounded f32 values, every ISA
// (the scalar one too, which must then agree bit for bit) on the f16 bits.
void check_shape(const Shape& s, uint64_t seed, KvDtype kv) {
  test::Rng rng(seed);
  const int64_t q_len = s.batch * s.seq_q * s.heads * s.head_dim, kv_len = s.batch * s.seq_k * s.kv_heads * s.head_dim;
  std::vector<float> q = rng.normals(size_t(q_len)), k = rng.normals(size_t(kv_len)), v = rng.normals(size_t(kv_len));
  const bool half = kv == KvDtype::f16;
  const std::vector<uint16_t> kh = half ? round_f16(k) : std::vector<uint16_t>{};
  const std::vector<uint16_t> vh = half ? round_f16(v) : std::vector<uint16_t>{};
  std::vector<uint8_t> mask(size_t(s.batch * s.seq_k), 1);
  for (int64_t i = 0; i < int64_t(mask.size()); ++i) {
    if (s.mask == 1 && rng.uniform(0, 1) < 0.3f) mask[size_t(i)] = 0;
    if (s.mask == 2 && i < s.seq_k) mask[size_t(i)] = 0;
  }
  std::vector<float> bias = rng.normals(size_t((s.bias == 2 ? s.batch : 1) * s.heads * s.seq_q * s.seq_k), 0.5f);
  AttentionArgs a{};
  a.q = q.data();
  a.k = k.data();
  a.v = v.data();
  a.key_mask = s.mask ? mask.data() : nullptr;
  a.bias = s.bias ? bias.data() : nullptr;
  a.bias_batched = s.bias == 2;
  a.batch = s.batch;
  a.seq_q = s.seq_q;
  a.seq_k = s.seq_k;
  a.heads = s.heads;
  a.kv_heads = s.kv_heads;
  a.head_dim = s.head_dim;
  a.scale = 1.0f / std::sqrt(float(s.head_dim));
  a.causal = s.causal;
  // Guard words after the output catch writes past its end.
  constexpr size_t kGuard = 16;
  std::vector<float> ref(size_t(q_len) + kGuard, 7.0f), got(size_t(q_len) + kGuard, 7.0f);
  force_isa(Isa::scalar);
  a.out = ref.data();
  if (!attention_f32(a).ok()) {
    std::fprintf(stderr, "  FAIL %s: reference returned an error\n", label(s).c_str());
    ++test::failures();
    return;
  }
  if (half) {
    a.k = kh.data();
    a.v = vh.data();
    a.kv_dtype = KvDtype::f16;
  }
  std::vector<Isa> isas = test::simd_isas();
  if (half) isas.insert(isas.begin(), Isa::scalar);
  for (Isa isa : isas) {
    force_isa(isa);
    std::fill(got.begin(), got.end(), 7.0f);
    a.out = got.data();
    attention_f32(a);
    const std::string name = std::string("attention/") + isa_name(isa) + (half ? "/kv-f16/" : "/") + label(s);
    const bool exact = isa == Isa::scalar;
    test::expect_close(got.data(), ref.data(), size_t(q_len), exact ? 0.0f : 3e-5f, exact ? 0.0f : 1e-4f, name);
    for (size_t i = 0; i < kGuard; ++i) {
      if (got[size_t(q_len) + i] != 7.0f) {
        std::fprintf(stderr, "  FAIL %s: guard word %zu overwritten\n", name.c_str(), i);
        ++test::failures();
        break;
      }
    }
  }
  if (s.mask == 2 && !s.bias) {
    for (int64_t i = 0; i < s.seq_q * s.heads * s.head_dim; ++i) {
      if (ref[size_t(i)] != 0.0f) {
        std::fprintf(stderr, "  FAIL %s: fully masked row not zero at %lld\n", label(s).c_str(), (long long)i);
        ++test::failures();
        break;
      }
    }
  }
}

}  // namespace

ATTNSCAN_TEST("attention: every ISA matches the reference (prefill, decode, GQA, masks, bias)") {
  const Shape shapes[] = {
      {1, 1, 1, 1, 1, 1, false, 0, 0},      {2, 3, 3, 2, 2, 1, true, 0, 2},      {2, 5, 5, 2, 2, 3, true, 0, 0},
      {1, 7, 7, 3, 3, 17, false, 1, 0},     {2, 9, 13, 4, 2, 24, false, 1, 1},   {2, 3, 8, 4, 4, 16, true, 0, 0},
      {1, 6, 4, 2, 2, 8, true, 0, 0},       {2, 8, 8, 4, 4, 16, true, 2, 0},     {1, 200, 200, 2, 2, 32, true, 0, 0},
      {1, 130, 150, 4, 1, 33, true, 1, 2},  {2, 70, 65, 2, 2, 100, false, 1, 0}, {1, 40, 129, 8, 2, 128, false, 0, 1},
      {2, 1, 10, 6, 2, 16, true, 1, 0},     {1, 1, 300, 8, 2, 64, true, 0, 0},   {1, 1, 1000, 4, 1, 64, true, 0, 0},
      {1, 1, 777, 2, 1, 80, false, 1, 1},   {1, 1, 600, 1, 1, 7, false, 2, 0},   {3, 2, 0, 2, 1, 4, false, 0, 0},
      {3, 1, 333, 6, 2, 128, true, 1, 0},  {1, 1, 517, 5, 5, 128, false, 0, 1},
      // Multi-head decode (one query head per kv head) at 64 / 128: a few keys, split keys, masks, bias.
      {2, 1, 3, 3, 3, 64, false, 1, 0},     {2, 1, 523, 4, 4, 64, true, 1, 2},   {1, 1, 61, 2, 2, 128, false, 2, 0},
  };
  uint64_t seed = 11;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    for (const Shape& s : shapes) check_shape(s, seed++, KvDtype::f32);
    for (const Shape& s : shapes) check_shape(s, seed++, KvDtype::f16);
  }
  set_num_threads(2);
}

}  // namespace attnscan

namespace attnscan {
namespace {

// Rows of different cache lengths (one empty, one fully masked) with masks and per-row biases.
void check_ragged(int64_t heads, int64_t kv_heads, int64_t head_dim, const std::vector<int64_t>& lens, uint64_t seed,
                  KvDtype kv = KvDtype::f32) {
  test::Rng rng(seed);
  const int64_t rows = int64_t(lens.size()), q_len = rows * heads * head_dim;
  std::vector<float> q = rng.normals(size_t(q_len));
  std::vector<std::vector<float>> k, v, bias;
  std::vector<std::vector<uint8_t>> mask;
  std::vector<std::vector<uint16_t>> kh, vh;
  const bool half = kv == KvDtype::f16;
  RaggedAttentionArgs a{};
  a.q = q.data();
  a.rows = rows;
  a.heads = heads;
  a.kv_heads = kv_heads;
  a.head_dim = head_dim;
  a.scale = 1.0f / std::sqrt(float(head_dim));
  for (int64_t r = 0; r < rows; ++r) {
    const size_t n = size_t(lens[size_t(r)] * kv_heads * head_dim);
    k.push_back(rng.normals(n));
    v.push_back(rng.normals(n));
    bias.push_back(rng.normals(size_t(heads * lens[size_t(r)]), 0.5f));
    mask.emplace_back(size_t(lens[size_t(r)]), uint8_t(r == 1 ? 0 : 1));
    for (auto& m : mask.back()) m = r == 1 ? 0 : uint8_t(rng.uniform(0, 1) < 0.8f);
    if (half) {
      kh.push_back(round_f16(k.back()));
      vh.push_back(round_f16(v.back()));
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    a.k[r] = k[size_t(r)].data();
    a.v[r] = v[size_t(r)].data();
    a.seq_k[r] = lens[size_t(r)];
    a.key_mask[r] = r % 2 ? mask[size_t(r)].data() : nullptr;
    a.bias[r] = r % 3 == 2 ? bias[size_t(r)].data() : nullptr;
  }
  std::vector<float> ref(static_cast<size_t>(q_len));
  test::Guarded got{static_cast<size_t>(q_len)};
  force_isa(Isa::scalar);
  a.out = ref.data();
  if (!attention_ragged_f32(a).ok()) {
    std::fprintf(stderr, "  FAIL ragged: reference returned an error\n");
    ++test::failures();
    return;
  }
  if (half) {
    a.kv_dtype = KvDtype::f16;
    for (int64_t r = 0; r < rows; ++r) {
      a.k[r] = kh[size_t(r)].data();
      a.v[r] = vh[size_t(r)].data();
    }
  }
  const std::string shape = std::string(half ? "kv-f16/" : "") + "h" + std::to_string(heads) + "kv" + std::to_string(kv_heads) + "d" + std::to_string(head_dim) +
                            "rows" + std::to_string(rows);
  std::vector<Isa> isas = test::simd_isas();
  if (half) isas.insert(isas.begin(), Isa::scalar);
  for (Isa isa : isas) {
    force_isa(isa);
    std::fill(got.data(), got.data() + q_len, 7.0f);
    a.out = got.data();
    attention_ragged_f32(a);
    const std::string name = std::string("ragged/") + isa_name(isa) + "/" + shape;
    const bool exact = isa == Isa::scalar;
    test::expect_close(got.data(), ref.data(), size_t(q_len), exact ? 0.0f : 3e-5f, exact ? 0.0f : 1e-4f, name);
    got.check(name);
    // Each row as a plain one-query call (one thread, so neither splits keys): the same bits.
    if (num_threads() == 1) {
      for (int64_t r = 0; r < rows; ++r) {
        AttentionArgs x{};
        std::vector<float> alone(size_t(heads * head_dim));
        x.q = q.data() + r * heads * head_dim;
        x.k = a.k[r];
        x.v = a.v[r];
        x.kv_dtype = a.kv_dtype;
        x.key_mask = a.key_mask[r];
        x.bias = a.bias[r];
        x.out = alone.data();
        x.batch = x.seq_q = 1;
        x.seq_k = a.seq_k[r];
        x.heads = heads;
        x.kv_heads = kv_heads;
        x.head_dim = head_dim;
        x.scale = a.scale;
        attention_f32(x);
        test::expect_close(got.data() + r * heads * head_dim, alone.data(), alone.size(), 0.0f, 0.0f, name + "/alone");
      }
    }
  }
}

}  // namespace

ATTNSCAN_TEST("attention: ragged decode rows match the reference and each row alone") {
  uint64_t seed = 101;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    check_ragged(1, 1, 1, {1}, seed++);
    check_ragged(2, 1, 64, {700}, seed++);
    check_ragged(12, 12, 64, {9, 40, 17, 3, 128, 64, 65, 1}, seed++);
    check_ragged(8, 2, 7, {5, 6, 0, 300, 33}, seed++);
    check_ragged(4, 1, 80, {257, 513, 1}, seed++);
    check_ragged(2, 2, 17, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, seed++);
    check_ragged(12, 12, 64, {9, 40, 17, 3, 128, 64, 65, 1}, seed++, KvDtype::f16);
    check_ragged(8, 2, 7, {5, 6, 0, 300, 33}, seed++, KvDtype::f16);
    check_ragged(4, 1, 80, {257, 513, 1}, seed++, KvDtype::f16);
    check_ragged(8, 2, 128, {3, 900, 2}, seed++);
    check_ragged(8, 2, 128, {3, 900, 2}, seed++, KvDtype::f16);
  }
  set_num_threads(2);
}

}  // namespace attnscan
