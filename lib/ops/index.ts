// The public `kernels` namespace: every kernel as NAME (sync) and NAMEAsync (Promise).
import * as act from './act.js';
import * as linear from './linear.js';

export type { KernelOptions } from './define.js';
export type { GeluArgs, ReluArgs, SiluArgs } from './act.js';
export type { LinearArgs, LinearWeight } from './linear.js';

export const kernels = {
  silu: act.silu.sync,
  siluAsync: act.silu.async,
  gelu: act.gelu.sync,
  geluAsync: act.gelu.async,
  relu: act.relu.sync,
  reluAsync: act.relu.async,
  linear: linear.linear.sync,
  linearAsync: linear.linear.async,
};
