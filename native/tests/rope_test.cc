#include <cmath>

#include "kernels/rope/rope.h"
#include "tests/check.h"
#include "tests/guard.h"

namespace attnscan {

namespace {
std::vector<float> default_inv_freq(double theta, int64_t rot) {
  std::vector<float> f(static_cast<size_t>(rot / 2));
  for (int64_t i = 0; i < rot / 2; ++i) f[size_t(i)] = 1.0f / float(std::pow(theta, double(float(double(2 * i) / double(rot)))));
  return f;
}
}  // namespace

ATTNSCAN_TEST("rope: every ISA matches the reference (both styles, partial rotary, large positions)") {
  test::Rng rng(19);
  struct Shape { int64_t tokens, heads, head_dim, rot; };
  const Shape shapes[] = {{1, 1, 2, 2}, {3, 2, 8, 8}, {5, 3, 16, 16}, {4, 4, 64, 32}, {2, 2, 34, 18}, {3, 2, 6, 0},
                          {7, 2, 128, 128}, {2, 5, 80, 80}, {3, 1, 30, 26}};
  for (const Shape& s : shapes) {
    const size_t size = size_t(s.tokens * s.heads * s.head_dim);
    const std::vector<float> x = rng.normals(size);
    std::vector<int32_t> pos(static_cast<size_t>(s.tokens));
    for (int64_t t = 0; t < s.tokens; ++t) pos[size_t(t)] = int32_t(t * 997 - 3);
    pos[0] = 0;
    if (s.tokens > 2) pos[2] = 2000000;   // angle past 2^20: the libm fallback lanes
    if (s.tokens > 1) pos[1] = 131071;
    std::vector<float> scratch(static_cast<size_t>(4 * s.rot + 16)), ref(size), got(size);
    for (double theta : {10000.0, 500000.0}) {
      const std::vector<float> inv = default_inv_freq(theta, s.rot);
      for (bool interleaved : {false, true}) {
        for (float scaling : {1.0f, 1.2f}) {
          const RopeParams p{s.heads, s.head_dim, s.rot, interleaved, scaling};
          rope_apply_f32_ref(x.data(), ref.data(), s.tokens, pos.data(), inv.data(), p, scratch.data());
          for (Isa isa : supported_isas()) {
            force_isa(isa);
            test::Guarded guarded(size);
            if (!rope_apply_f32(x.data(), guarded.data(), s.tokens, pos.data(), inv.data(), p).ok()) ++test::failures();
            guarded.check(std::string("rope guard/") + isa_name(isa));
            std::copy(guarded.data(), guarded.data() + size, got.begin());
            test::expect_close(got.data(), ref.data(), size, 2e-6f, 2e-6f,
                               std::string("rope/") + isa_name(isa) + (interleaved ? "/pairs" : "/half") + "/d" + std::to_string(s.head_dim) + "/rot" + std::to_string(s.rot));
          }
        }
      }
    }
  }
}

ATTNSCAN_TEST("rope: position 0 is the identity on every ISA; in place works") {
  test::Rng rng(23);
  const int64_t tokens = 3, heads = 2, head_dim = 24;
  std::vector<float> x = rng.normals(size_t(tokens * heads * head_dim)), got(x.size());
  const std::vector<int32_t> pos(size_t(tokens), 0);
  const std::vector<float> inv = default_inv_freq(10000.0, 16);
  for (Isa isa : supported_isas()) {
    force_isa(isa);
    for (bool interleaved : {false, true}) {
      const RopeParams p{heads, head_dim, 16, interleaved, 1.0f};
      rope_apply_f32(x.data(), got.data(), tokens, pos.data(), inv.data(), p);
      test::expect_close(got.data(), x.data(), x.size(), 0.0f, 0.0f, std::string("rope identity/") + isa_name(isa));
      std::vector<float> inplace = x;
      const std::vector<int32_t> pos7(size_t(tokens), 7);
      rope_apply_f32(x.data(), got.data(), tokens, pos7.data(), inv.data(), p);
      rope_apply_f32(inplace.data(), inplace.data(), tokens, pos7.data(), inv.data(), p);
      test::expect_close(inplace.data(), got.data(), x.size(), 0.0f, 0.0f, std::string("rope in place/") + isa_name(isa));
    }
  }
}

ATTNSCAN_TEST("rope: a second tensor (k) rotated in the same call equals a call of its own, every ISA") {
  test::Rng rng(31);
  struct Shape { int64_t tokens, heads, k_heads, head_dim, rot; };
  const Shape shapes[] = {{1, 1, 1, 2, 2}, {3, 4, 1, 16, 16}, {5, 3, 7, 34, 18}, {70, 12, 12, 64, 64}, {2, 0, 3, 8, 8}, {4, 2, 0, 8, 8}};
  for (const Shape& s : shapes) {
    const size_t nq = size_t(s.tokens * s.heads * s.head_dim), nk = size_t(s.tokens * s.k_heads * s.head_dim);
    const std::vector<float> q = rng.normals(nq), k = rng.normals(nk);
    std::vector<int32_t> pos(static_cast<size_t>(s.tokens));
    for (int64_t t = 0; t < s.tokens; ++t) pos[size_t(t)] = int32_t(t * 131 + 5);
    const std::vector<float> inv = default_inv_freq(10000.0, s.rot);
    for (bool interleaved : {false, true}) {
      const RopeParams pq{s.heads, s.head_dim, s.rot, interleaved, 1.0f}, pk{s.k_heads, s.head_dim, s.rot, interleaved, 1.0f};
      for (Isa isa : supported_isas()) {
        force_isa(isa);
        std::vector<float> q1(nq), k1(nk);
        test::Guarded q2(nq), k2(nk);
        rope_apply_f32(q.data(), q1.data(), s.tokens, pos.data(), inv.data(), pq);
        rope_apply_f32(k.data(), k1.data(), s.tokens, pos.data(), inv.data(), pk);
        if (!rope_apply_f32(q.data(), q2.data(), s.tokens, pos.data(), inv.data(), pq, RopeTensor{k.data(), k2.data(), s.k_heads}).ok())
          ++test::failures();
        const std::string what = std::string("rope qk/") + isa_name(isa) + "/h" + std::to_string(s.heads) + "k" + std::to_string(s.k_heads);
        q2.check(what + " q guard");
        k2.check(what + " k guard");
        test::expect_close(q2.data(), q1.data(), nq, 0.0f, 0.0f, what + " q");
        test::expect_close(k2.data(), k1.data(), nk, 0.0f, 0.0f, what + " k");
      }
    }
  }
  force_isa(best_isa());
}

}  // namespace attnscan
