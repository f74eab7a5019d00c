// The public `kernels` namespace: every kernel as NAME (sync) and NAMEAsync (Promise).
import * as act from './act.js';
import * as attention from './attention.js';

export type { KernelOptions } from './define.js';
export type { GeluArgs, ReluArgs, SiluArgs } from './act.js';
export type { AttentionArgs } from './attention.js';
import * as conv from './conv.js';
import * as scan from './scan.js';

export type { CausalConv1dArgs, CausalConv1dResult } from './conv.js';
export type { SelectiveScanArgs, SelectiveScanResult } from './scan.js';
import * as linear from './linear.js';

export type { LinearArgs, LinearWeight } from './linear.js';

export const kernels = {
  silu: act.silu.sync,
  siluAsync: act.silu.async,
  gelu: act.gelu.sync,
  geluAsync: act.gelu.async,
  relu: act.relu.sync,
  reluAsync: act.relu.async,
  attention: attention.attention.sync,
  attentionAsync: attention.attention.async,
  selectiveScan: scan.selectiveScan.sync,
  selectiveScanAsync: scan.selectiveScan.async,
  causalConv1d: conv.causalConv1d.sync,
  causalConv1dAsync: conv.causalConv1d.async,
  linear: linear.linear.sync,
  linearAsync: linear.linear.async,
};
