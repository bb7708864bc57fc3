/** The only door to onnxruntime-node. */
export { listExecutionProviders, onnxRuntimeVersion, type ExecutionProviderInfo } from './providers.js';
