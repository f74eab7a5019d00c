// The public `kernels` namespace: every kernel as NAME (sync) and NAMEAsync (Promise).
import * as act from './act.js';
import * as attention from './attention.js';
import * as conv from './conv.js';
import * as elementwise from './elementwise.js';
import * as embedding from './embedding.js';
import * as kvAppend from './kv-append.js';
import * as linear from './linear.js';
import * as linearGroup from './linear-group.js';
import * as norm from './norm.js';
import * as raggedAttention from './ragged-attention.js';
import * as rope from './rope.js';
import * as scan from './scan.js';
import * as softmax from './softmax.js';

export type { KernelOptions } from './define.js';
export type { AttentionArgs, KvTensor } from './attention.js';
export type { RaggedAttentionArgs, RaggedAttentionRow } from './ragged-attention.js';
export type { BinaryArgs, GeluMulArgs, SiluMulArgs } from './elementwise.js';
export type { CausalConv1dArgs, CausalConv1dResult } from './conv.js';
export type { EmbeddingArgs } from './embedding.js';
export type { GeluArgs, ReluArgs, SiluArgs } from './act.js';
export type { KvAppendArgs } from './kv-append.js';
export type { LayerNormArgs, RmsNormArgs } from './norm.js';
export type { LinearArgs, LinearWeight } from './linear.js';
export type { GatedLinearArgs, LinearGroupArgs } from './linear-group.js';
export type { RopeArgs, RopeQkArgs } from './rope.js';
export type { SelectiveScanArgs, SelectiveScanResult } from './scan.js';
export type { SoftmaxArgs } from './softmax.js';
export type { WeightTensor } from './weight.js';

export const kernels = {
  silu: act.silu.sync,
  siluAsync: act.silu.async,
  gelu: act.gelu.sync,
  geluAsync: act.gelu.async,
  relu: act.relu.sync,
  reluAsync: act.relu.async,
  attention: attention.attention.sync,
  attentionAsync: attention.attention.async,
  raggedAttention: raggedAttention.raggedAttention.sync,
  raggedAttentionAsync: raggedAttention.raggedAttention.async,
  selectiveScan: scan.selectiveScan.sync,
  selectiveScanAsync: scan.selectiveScan.async,
  causalConv1d: conv.causalConv1d.sync,
  causalConv1dAsync: conv.causalConv1d.async,
  linear: linear.linear.sync,
  linearAsync: linear.linear.async,
  linearGroup: linearGroup.linearGroup.sync,
  linearGroupAsync: linearGroup.linearGroup.async,
  gatedLinear: linearGroup.gatedLinear.sync,
  gatedLinearAsync: linearGroup.gatedLinear.async,
  rmsNorm: norm.rmsNorm.sync,
  rmsNormAsync: norm.rmsNorm.async,
  layerNorm: norm.layerNorm.sync,
  layerNormAsync: norm.layerNorm.async,
  rope: rope.rope.sync,
  ropeAsync: rope.rope.async,
  ropeQk: rope.ropeQk.sync,
  ropeQkAsync: rope.ropeQk.async,
  softmax: softmax.softmax.sync,
  softmaxAsync: softmax.softmax.async,
  embedding: embedding.embedding.sync,
  embeddingAsync: embedding.embedding.async,
  add: elementwise.add.sync,
  addAsync: elementwise.add.async,
  mul: elementwise.mul.sync,
  mulAsync: elementwise.mul.async,
  siluMul: elementwise.siluMul.sync,
  siluMulAsync: elementwise.siluMul.async,
  geluMul: elementwise.geluMul.sync,
  geluMulAsync: elementwise.geluMul.async,
  kvAppend: kvAppend.kvAppend.sync,
  kvAppendAsync: kvAppend.kvAppend.async,
};
