// Turns libFuzzer bytes into a kernel call: an ArgSource whose every field is decoded from the
// input on demand (dims mostly small, sometimes one of the edge values below; strings from the
// names the kernels know plus junk; buffers of exactly the length the checker will demand, or a
// wrong type, a wrong length, detached, absent, or an earlier buffer again), so the checker
// (addon/kernel_args.h) sees what a buggy or hostile JS caller could pass. Buffers are malloc'd
// at exactly their byte size: under ASan any read or write past the end a check let through is a
// crash. Integer buffers (token ids, positions) and masks hold raw fuzz values, floats small
// finite values with an occasional inf/NaN.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "addon/arg_check.h"
#include "common/pool.h"
#include "kernels/dispatch.h"

namespace attnscan {

class FuzzBytes {
 public:
  FuzzBytes(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  uint8_t byte() { return p_ < end_ ? *p_++ : 0; }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(byte()) << (8 * i);
    return v;
  }
  bool empty() const { return p_ >= end_; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// Largest buffer handed out, in elements (ATTNSCAN_FUZZ_MAX_ELEMENTS): keeps each run fast; a
// demand above it gets a short buffer, which the checker must refuse.
inline int64_t fuzz_max_elements() {
  static const int64_t n = [] {
    const char* e = std::getenv("ATTNSCAN_FUZZ_MAX_ELEMENTS");
    return e ? std::max<int64_t>(1, std::atoll(e)) : int64_t(1) << 14;
  }();
  return n;
}

class FuzzArgSource : public ArgSource {
 public:
  explicit FuzzArgSource(FuzzBytes& in) : in_(in) {}
  ~FuzzArgSource() override {
    for (Buffer& b : buffers_) std::free(b.data);
  }

  ArgValue get(const char* name, int64_t expect) override {
    ArgValue v;
    const uint8_t shape = in_.byte();
    if (shape % 23 == 1) return v;  // absent
    if (shape % 23 == 2) {
      v.kind = ArgKind::other;
      return v;
    }
    if (expect >= 0) return buffer(name, expect, shape);
    switch (shape % 23) {
      case 3: v.kind = ArgKind::boolean; v.boolean = true; return v;
      case 4: v.kind = ArgKind::string; v.string = pick_string(name); return v;
      default: break;
    }
    // A field read as number, boolean or string: the checker asked for one of them; answer with
    // each kind from the same byte so every reader gets the type it wants most of the time.
    v.kind = ArgKind::number;
    v.number = pick_number();
    v.boolean = (shape & 0x80) != 0;
    v.string = pick_string(name);
    if (is_string_field(name)) v.kind = ArgKind::string;
    else if (is_bool_field(name)) v.kind = ArgKind::boolean;
    return v;
  }

 private:
  struct Buffer {
    void* data;
    int64_t elements;
    ElemType elem;
  };

  static bool is_dtype_field(const char* n) { return !std::strcmp(n, "dtype") || std::strstr(n, "Dtype") != nullptr; }
  static bool is_string_field(const char* n) {
    return is_dtype_field(n) || !std::strcmp(n, "kind") || !std::strcmp(n, "activation");
  }
  static bool is_bool_field(const char* n) {
    return !std::strcmp(n, "causal") || !std::strcmp(n, "biasBatched") || !std::strcmp(n, "interleaved") ||
           !std::strcmp(n, "deltaSoftplus");
  }

  double pick_number() {
    static const double edge[] = {-1, -0.5, 0.5, 1.5, std::numeric_limits<double>::quiet_NaN(),
                                  std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                                  2147483648.0, 2147483647.0, 4294967296.0, 1099511627776.0, 1099511627777.0,
                                  1125899906842624.0, 9007199254740992.0, 4.611686018427388e18, 1e300, 16, 17, 31,
                                  32, 33, 63, 64, 65, 127, 128, 255, 256, 1000, 4096, 1048576, -2147483648.0};
    const uint8_t b = in_.byte();
    if (b < 224) return double((b + 1) % 9);  // byte 0 (and an exhausted input) is a dim of 1
    return edge[b - 224];
  }

  // Byte 0 gives a name the field accepts ("f32" for dtypes, "silu" for activations and ops).
  std::string pick_string(const char* field) {
    static const char* names[] = {"f32", "f16", "bf16", "silu", "gelu", "gelu_tanh", "relu", "none",
                                  "add", "mul", "", "F32", "bogus", "f16\x01", "silu ", "f8"};
    return names[(in_.byte() + (is_dtype_field(field) ? 0 : 3)) % 16];
  }

  static size_t elem_size(ElemType t) {
    switch (t) {
      case ElemType::f32:
      case ElemType::i32: return 4;
      case ElemType::u16: return 2;
      default: return 1;
    }
  }

  static ElemType elem_for(const char* name) {
    if (!std::strcmp(name, "ids") || !std::strcmp(name, "positions")) return ElemType::i32;
    if (!std::strcmp(name, "keyMask")) return ElemType::u8;
    return ElemType::f32;  // a u16 weight is asked for as u16: the type byte below covers it
  }

  ArgValue buffer(const char* name, int64_t expect, uint8_t shape) {
    ArgValue v;
    v.kind = ArgKind::typed;
    const uint8_t how = in_.byte();
    static const ElemType types[] = {ElemType::f32, ElemType::i32, ElemType::u8, ElemType::u16};
    // Mostly the type the field holds (f32 / i32 / u8 by name, u16 when the high bit says so).
    v.elem = (how & 0x70) == 0x70 ? types[how & 3] : (how & 0x80) ? ElemType::u16 : elem_for(name);
    int64_t n = expect;
    switch (how & 0x0f) {
      case 1: n = expect + 1; break;
      case 2: n = expect > 0 ? expect - 1 : 1; break;
      case 3: v.detached = true; break;
      case 4:  // an earlier buffer again: in-place and aliasing paths
        for (const Buffer& b : buffers_) {
          if (b.elem == v.elem && b.elements == expect) {
            v.data = b.data;
            v.elements = b.elements;
            return v;
          }
        }
        break;
      default: break;
    }
    if (n > fuzz_max_elements()) n = shape % 7;  // too large to allocate: a short buffer instead
    v.elements = n;
    if (v.detached || n == 0) return v;
    const size_t bytes = size_t(n) * elem_size(v.elem);
    void* data = std::malloc(bytes);
    fill(data, n, v.elem);
    buffers_.push_back({data, n, v.elem});
    v.data = data;
    return v;
  }

  void fill(void* data, int64_t n, ElemType t) {
    const uint8_t mode = in_.byte();
    for (int64_t i = 0; i < n; ++i) {
      const uint8_t b = in_.byte();
      switch (t) {
        case ElemType::f32: {
          float f = float(int(b) - 128) / 32.0f;
          if (mode == 0xff && b == 0xff) f = std::numeric_limits<float>::infinity();
          if (mode == 0xfe && b == 0xff) f = std::numeric_limits<float>::quiet_NaN();
          static_cast<float*>(data)[i] = f;
          break;
        }
        case ElemType::i32: {
          // ids and positions: small, negative, or anything at all.
          int32_t x = (mode & 1) ? int32_t(b % 16) : (mode & 2) ? int32_t(in_.u32()) : int32_t(b) - 8;
          static_cast<int32_t*>(data)[i] = x;
          break;
        }
        case ElemType::u16: static_cast<uint16_t*>(data)[i] = uint16_t(b | (b << 8)); break;
        default: static_cast<uint8_t*>(data)[i] = (mode & 1) ? (b & 1) : b; break;
      }
    }
  }

  FuzzBytes& in_;
  std::vector<Buffer> buffers_;
};

// The first byte of every input picks the ISA and the thread count, so each harness covers every
// ISA function this CPU runs and the pool's split at 1 and 2 threads.
inline void fuzz_pick_machine(FuzzBytes& in) {
  static const std::vector<Isa> isas = supported_isas();
  static int threads = 0;
  const uint8_t b = in.byte();
  force_isa(isas[b % isas.size()]);
  const int want = 1 + ((b >> 4) & 1);
  if (want != threads) set_num_threads(threads = want);  // resizing restarts the pool: only on change
}

}  // namespace attnscan

// A harness over one or more kernels (the second input byte picks one): decode, validate with the
// addon's reader, run what it accepts. ERR_INTERNAL from a kernel on accepted arguments is a bug.
namespace attnscan {

template <class Call>
struct FuzzKernel {
  Call (*read)(ArgCheck&);
  Result (*run)(const Call&);
};
template <class Call>
FuzzKernel<Call> fuzz_kernel(Call (*read)(ArgCheck&), Result (*run)(const Call&)) {
  return {read, run};
}

template <class Call>
void fuzz_run(ArgCheck& check, FuzzKernel<Call> k) {
  const Call c = k.read(check);
  if (!check.ok()) return;
  const Result r = k.run(c);
  if (r.status == Status::internal) {
    std::fprintf(stderr, "kernel failed on accepted arguments: %s\n", r.message.c_str());
    std::abort();
  }
}

template <class... K>
void fuzz_dispatch(uint8_t which, ArgCheck& check, K... kernels) {
  const size_t pick = which % sizeof...(K);
  size_t i = 0;
  ((i++ == pick ? fuzz_run(check, kernels) : void()), ...);
}

}  // namespace attnscan

#define ATTNSCAN_FUZZ_KERNELS(...)                                          \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
    using namespace attnscan;                                               \
    FuzzBytes in(data, size);                                               \
    fuzz_pick_machine(in);                                                  \
    const uint8_t which = in.byte();                                        \
    FuzzArgSource src(in);                                                  \
    ArgCheck check(src, "fuzz");                                            \
    fuzz_dispatch(which, check, __VA_ARGS__);                               \
    return 0;                                                               \
  }
