// What an architecture file exports: the base prefix its checkpoints use and a builder from
// config + weights to a typed config and a Net.
import type { ConfigReader, HfConfig } from '../config.js';
import type { Ops } from '../layers/ops.js';
import type { Net } from '../net.js';
import type { Weights } from '../weights.js';

export interface ArchBuild<C = object> {
  config: C;
  net: Net;
}

export interface Architecture<C = object> {
  /** The base model's weight prefix in its checkpoints ('bert.', 'model.', ''), with the dot. */
  basePrefix: string;
  build(r: ConfigReader, w: Weights, ops: Ops, raw: HfConfig): ArchBuild<C>;
}
