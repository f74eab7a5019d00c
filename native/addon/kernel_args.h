// Per-kernel argument readers and runners, free of N-API: read_<kernel> turns the fields of a
// call (ArgCheck over the JS object in the addon, over fuzz bytes in native/fuzz) into the
// kernel's plain arguments, failing on any dim, length, dtype or option the kernel cannot take;
// run_<kernel> runs the kernel on accepted arguments. bind_<family>.cc and the fuzz harnesses both
// call these, so the validation the fuzzers exercise is the addon's, in one place.
// Field names and shapes are the JS ones; see each bind_<family>.cc header comment.
#pragma once
#include <cstdint>

#include "addon/arg_check.h"
#include "common/weight_dtype.h"
#include "kernels/act/act.h"
#include "kernels/attention/attention.h"
#include "kernels/conv/conv.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/kvcache/kvcache.h"
#include "kernels/matmul/matmul.h"
#include "kernels/rope/rope.h"
#include "kernels/scan/scan.h"

namespace attnscan {

AttentionArgs read_attention(ArgCheck& r);
Result run_attention(const AttentionArgs& a);
RaggedAttentionArgs read_ragged_attention(ArgCheck& r);
Result run_ragged_attention(const RaggedAttentionArgs& a);

KvAppendArgs read_kv_append(ArgCheck& r);
Result run_kv_append(const KvAppendArgs& a);

LinearArgs read_linear(ArgCheck& r);
Result run_linear(const LinearArgs& a);

// linearGroup: up to kLinearGroupMaxParts products of one x.
constexpr int kLinearGroupMaxParts = 8;
struct LinearGroupCall {
  LinearArgs parts[kLinearGroupMaxParts];
  int n;
};
LinearGroupCall read_linear_group(ArgCheck& r);
Result run_linear_group(const LinearGroupCall& c);

struct GatedLinearCall {
  LinearArgs gate, up;
  ActKind kind;
  float* out;
};
GatedLinearCall read_gated_linear(ArgCheck& r);
Result run_gated_linear(const GatedLinearCall& c);

ScanArgs read_selective_scan(ArgCheck& r);
Result run_selective_scan(const ScanArgs& a);

ConvArgs read_causal_conv1d(ArgCheck& r);
Result run_causal_conv1d(const ConvArgs& a);

struct RopeCall {
  const float* x;
  float* out;
  int64_t tokens;
  const int32_t* positions;
  const float* inv_freq;
  RopeParams p;
  RopeTensor k;  // ropeQk's k (fields k, kOut, kHeads); none for rope
};
RopeCall read_rope(ArgCheck& r);
Result run_rope(const RopeCall& c);

struct EmbeddingCall {
  const void* table;
  WeightDtype dtype;
  int64_t vocab, dim, count;
  const int32_t* ids;
  float* out;
};
EmbeddingCall read_embedding(ArgCheck& r);
Result run_embedding(const EmbeddingCall& c);

// rmsNorm has no bias: read_rms_norm leaves it null.
struct NormCall {
  const float* x;
  float* out;
  int64_t rows, hidden;
  float eps;
  const void* weight;
  WeightDtype weight_dtype;
  const void* bias;
  WeightDtype bias_dtype;
};
NormCall read_rms_norm(ArgCheck& r);
Result run_rms_norm(const NormCall& c);
NormCall read_layer_norm(ArgCheck& r);
Result run_layer_norm(const NormCall& c);

struct ActCall {
  ActKind kind;
  const float* x;
  const float* up;  // elementwiseGated only
  float* out;
  int64_t size;
};
ActCall read_activation(ArgCheck& r);
Result run_activation(const ActCall& c);
ActCall read_elementwise_gated(ArgCheck& r);
Result run_elementwise_gated(const ActCall& c);

struct BinaryCall {
  BinaryKind kind;
  const float* a;
  const float* b;
  float* out;
  int64_t rows, n, b_rows;
};
BinaryCall read_elementwise_binary(ArgCheck& r);
Result run_elementwise_binary(const BinaryCall& c);

struct SoftmaxCall {
  const float* x;
  float* out;
  int64_t rows, n;
};
SoftmaxCall read_softmax(ArgCheck& r);
Result run_softmax(const SoftmaxCall& c);

}  // namespace attnscan
