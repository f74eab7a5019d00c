// sentence-transformers Dense modules (models/Dense.py): y = activation(linear(x)) on the pooled
// sentence embedding, before Normalize. <dir>/<path>/config.json gives in_features, out_features,
// bias and activation_function (a torch.nn class's full name); the weights are linear.weight
// [out, in] and linear.bias [out] in <path>/model.safetensors. Pickled pytorch_model.bin weights are
// refused (reading them means running a pickle), as are activations we do not implement.
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { BackendName } from '../backend/select.js';
import { CheckpointError, ShapeError } from '../errors.js';
import { weightToF32 } from '../kernels/half.js';
import { decodeTensor, parseSafetensorsHeader } from '../io/safetensors.js';
import { kernels } from '../ops/index.js';
import { Tensor } from '../tensor.js';

const ACTIVATIONS = {
  Identity: (v: number) => v,
  Tanh: (v: number) => Math.tanh(v),
  ReLU: (v: number) => (v > 0 ? v : 0),
  Sigmoid: (v: number) => 1 / (1 + Math.exp(-v)),
} as const;
type DenseActivation = keyof typeof ACTIVATIONS;

export interface DenseModule {
  /** The module's folder, for error messages. */
  path: string;
  inFeatures: number;
  outFeatures: number;
  /** [outFeatures, inFeatures] row-major. */
  weight: Float32Array;
  bias?: Float32Array;
  activation: DenseActivation;
}

const exists = (p: string) => access(p).then(() => true, () => false);

/** Reads the Dense module in `folder`; `config` is its parsed config.json. */
export async function readDense(folder: string, config: unknown): Promise<DenseModule> {
  const cfgPath = join(folder, 'config.json');
  if (config === undefined || config === null || typeof config !== 'object') throw new CheckpointError(`${cfgPath}: missing or not a JSON object`);
  const c = config as Record<string, unknown>;
  const dim = (key: string) => {
    const v = c[key];
    if (!Number.isInteger(v) || (v as number) < 1) throw new CheckpointError(`${cfgPath}: ${key} must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const inFeatures = dim('in_features');
  const outFeatures = dim('out_features');
  const hasBias = c.bias ?? true;
  if (typeof hasBias !== 'boolean') throw new CheckpointError(`${cfgPath}: bias must be a boolean, got ${JSON.stringify(c.bias)}`);
  const actName = c.activation_function ?? 'torch.nn.modules.activation.Tanh';
  const cls = typeof actName === 'string' && actName.startsWith('torch.nn.') ? actName.split('.').pop()! : '';
  if (!Object.hasOwn(ACTIVATIONS, cls)) {
    throw new CheckpointError(
      `${cfgPath}: activation_function ${JSON.stringify(actName)} is not supported (supported: ${Object.keys(ACTIVATIONS).map((k) => `torch.nn.${k}`).join(', ')})`,
    );
  }
  const file = join(folder, 'model.safetensors');
  if (!(await exists(file))) {
    for (const other of ['pytorch_model.bin', 'model.bin']) {
      if (await exists(join(folder, other))) {
        throw new CheckpointError(`${join(folder, other)}: Dense weights in PyTorch pickle format are not read; save them as ${file} (safetensors)`);
      }
    }
    throw new CheckpointError(`${file}: missing (the Dense module's weights)`);
  }
  const bytes = new Uint8Array(await readFile(file));
  const header = parseSafetensorsHeader(bytes, bytes.length, file);
  const tensor = (name: string, dims: number[]) => {
    const t = decodeTensor(bytes, header, name, file);
    if (t.shape.length !== dims.length || t.shape.some((d, i) => d !== dims[i])) {
      throw new CheckpointError(`${file}: ${name} has shape [${t.shape.join(', ')}], expected [${dims.join(', ')}] from ${cfgPath}`);
    }
    if (t.dtype === 'F32' || t.dtype === 'F64') return t.data;
    if (t.dtype === 'F16' || t.dtype === 'BF16') return weightToF32(t.data, t.dtype === 'F16' ? 'f16' : 'bf16');
    throw new CheckpointError(`${file}: ${name} has dtype ${t.dtype}; expected F32, F16 or BF16`);
  };
  const weight = tensor('linear.weight', [outFeatures, inFeatures]);
  const bias = hasBias ? tensor('linear.bias', [outFeatures]) : undefined;
  return { path: folder, inFeatures, outFeatures, weight, bias, activation: cls as DenseActivation };
}

/**
 * x [rows, width] → activation(x · Wᵀ + b) [rows, outFeatures]; width must be inFeatures. The
 * product runs as an async linear kernel (off the event loop: batch × 768 × 768 is tens of ms).
 */
export async function applyDense(x: Float32Array, width: number, m: DenseModule, backend: BackendName): Promise<Float32Array> {
  if (width !== m.inFeatures) {
    throw new ShapeError(`${m.path}: the Dense module takes ${m.inFeatures} features, the pooled embedding has ${width} (a different pooling?)`);
  }
  const weight = new Tensor(m.weight, [m.outFeatures, m.inFeatures]);
  const bias = m.bias && new Tensor(m.bias, [m.outFeatures]);
  const y = (await kernels.linearAsync({ x: new Tensor(x, [x.length / width, width]), weight, bias }, { backend })).data;
  if (m.activation !== 'Identity') {
    const f = ACTIVATIONS[m.activation];
    for (let i = 0; i < y.length; i++) y[i] = f(y[i]);
  }
  return y;
}
