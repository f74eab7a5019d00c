#include "common/half.h"
#include "kernels/embedding/embedding.h"
#include "tests/check.h"
#include "tests/guard.h"

namespace attnscan {

ATTNSCAN_TEST("embedding: every ISA gathers the reference rows exactly; bad ids are refused") {
  test::Rng rng(3);
  for (int64_t dim : {1, 3, 8, 15, 16, 17, 64, 100}) {
    const int64_t vocab = 37, count = 23;
    std::vector<float> t = rng.normals(size_t(vocab * dim));
    std::vector<uint16_t> th(t.size()), tb(t.size());
    for (size_t i = 0; i < t.size(); ++i) {
      th[i] = f32_to_f16(t[i]);
      tb[i] = f32_to_bf16(t[i]);
    }
    std::vector<int32_t> ids(static_cast<size_t>(count));
    for (auto& id : ids) id = int32_t(rng.next() % uint64_t(vocab));
    for (WeightDtype dt : {WeightDtype::f32, WeightDtype::f16, WeightDtype::bf16}) {
      const void* table = dt == WeightDtype::f32 ? static_cast<const void*>(t.data()) : dt == WeightDtype::f16 ? th.data() : tb.data();
      std::vector<float> ref(static_cast<size_t>(count * dim)), got(ref.size());
      for (int64_t k = 0; k < count; ++k) {
        const int64_t off = int64_t(ids[size_t(k)]) * dim;
        if (dt == WeightDtype::f32) std::copy(t.begin() + off, t.begin() + off + dim, ref.begin() + k * dim);
        else embedding_row_f32_ref(static_cast<const uint16_t*>(table) + off, dt, dim, ref.data() + k * dim);
      }
      for (Isa isa : supported_isas()) {
        force_isa(isa);
        test::Guarded guarded(ref.size());
        if (!embedding_gather(table, dt, vocab, dim, ids.data(), count, guarded.data()).ok()) ++test::failures();
        guarded.check(std::string("embedding guard/") + isa_name(isa));
        std::copy(guarded.data(), guarded.data() + ref.size(), got.begin());
        test::expect_close(got.data(), ref.data(), ref.size(), 0.0f, 0.0f, std::string("embedding/") + isa_name(isa) + "/d" + std::to_string(dim));
      }
    }
    std::vector<float> out(size_t(count * dim), 7.0f);
    ids[5] = int32_t(vocab);
    const Result r = embedding_gather(t.data(), WeightDtype::f32, vocab, dim, ids.data(), count, out.data());
    if (r.status != Status::range || r.message.find("ids[5] = 37") == std::string::npos || out[0] != 7.0f) {
      std::fprintf(stderr, "  FAIL embedding bad id: %s\n", r.message.c_str());
      ++test::failures();
    }
  }
}

}  // namespace attnscan
