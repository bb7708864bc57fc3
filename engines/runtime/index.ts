/** The only door to onnxruntime-node. */
export { listExecutionProviders, onnxRuntimeVersion, type ExecutionProviderInfo } from './providers.js';
export {
  OnnxModel,
  RuntimeError,
  Tensor,
  PROVIDERS,
  checkSignature,
  sessionConfig,
  type Feeds,
  type ModelSignature,
  type OnnxModelOptions,
  type Output,
  type Provider,
  type RunOptions,
  type RuntimeErrorCode,
  type RuntimeLog,
  type TensorSignature,
} from './onnxModel.js';
export { ModelPool, type LoadedModelInfo, type PoolOptions } from './pool.js';
