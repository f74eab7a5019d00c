// K/V cache append: a step's K and V rows (f32) written into the cache at a token offset, kept as
// f32 or rounded to f16 (round to nearest even, as torch's .half(); NaN stays NaN).
//   k, v:            [batch, seq, row] f32, row = kvHeads * headDim
//   kCache, vCache:  [batch, capacity, row], f32 or f16 bits
//   kCache[b, at + s, :] = k[b, s, :] (likewise v), for at + seq <= capacity.
// Living in the addon lets a decode step's append run between kernels without a JS round trip.
#pragma once
#include <cstdint>

#include "common/status.h"
#include "kernels/attention/attention.h"

namespace attnscan {

using F16StoreFn = void (*)(const float* src, uint16_t* dst, int64_t n);
void kv_store_f16_ref(const float* src, uint16_t* dst, int64_t n);
void kv_store_f16_avx2(const float* src, uint16_t* dst, int64_t n);
void kv_store_f16_avx512(const float* src, uint16_t* dst, int64_t n);
void kv_store_f16_neon(const float* src, uint16_t* dst, int64_t n);

struct KvAppendArgs {
  const float* k;
  const float* v;
  void* k_cache;
  void* v_cache;
  KvDtype dtype;
  int64_t batch, seq, capacity, at, row;
};

// Dispatching entry (single-threaded: a decode step appends a few KiB per layer).
Result kv_append(const KvAppendArgs& a);

}  // namespace attnscan
