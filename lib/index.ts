export { kernels } from './ops/index.js';
export type * from './ops/index.js';
export { Tensor, type TensorLike, type TensorData } from './tensor.js';
export { backendInfo, listIsas, forceIsa, setThreads, type BackendInfo, type BackendName } from './backend/select.js';
export * from './errors.js';
export { loadModel, Model, type ForwardInputs, type ForwardOutputs, type LoadModelOptions, type ModelGenerateOptions } from './models/model.js';
export type { GenerateOptions } from './generation/generate.js';
export type { SamplingOptions } from './generation/sampling.js';
