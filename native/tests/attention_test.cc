#include <cmath>
#include <string>
#include <vector>

#include "common/pool.h"
#include "kernels/attention/attention.h"
#include "tests/check.h"

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

void check_shape(const Shape& s, uint64_t seed) {
  test::Rng rng(seed);
  const int64_t q_len = s.batch * s.seq_q * s.heads * s.head_dim, kv_len = s.batch * s.seq_k * s.kv_heads * s.head_dim;
  std::vector<float> q = rng.normals(size_t(q_len)), k = rng.normals(size_t(kv_len)), v = rng.normals(size_t(kv_len));
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
  for (Isa isa : test::simd_isas()) {
    force_isa(isa);
    std::fill(got.begin(), got.end(), 7.0f);
    a.out = got.data();
    attention_f32(a);
    const std::string name = std::string("attention/") + isa_name(isa) + "/" + label(s);
    test::expect_close(got.data(), ref.data(), size_t(q_len), 3e-5f, 1e-4f, name);
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
  };
  uint64_t seed = 11;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    for (const Shape& s : shapes) check_shape(s, seed++);
  }
  set_num_threads(2);
}

}  // namespace attnscan
