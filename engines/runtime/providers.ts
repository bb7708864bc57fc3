import { listSupportedBackends, env } from 'onnxruntime-node';

export interface ExecutionProviderInfo {
  /** onnxruntime's name: `cpu`, `webgpu`, `cuda`, `tensorrt`, `dml`, `coreml`. */
  name: string;
  /** Shipped inside the onnxruntime-node package (true) or installed separately (false). */
  bundled: boolean;
}

/** The execution providers this build of onnxruntime-node can use on this OS and CPU. */
export function listExecutionProviders(): ExecutionProviderInfo[] {
  return listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

export function onnxRuntimeVersion(): string {
  return env.versions.node ?? env.versions.common;
}
