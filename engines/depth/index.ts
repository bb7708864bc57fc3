/** Monocular depth: per-family pre/post-processing over typed arrays (no I/O, no ONNX here). */
export {
  extraInputs,
  imageInputName,
  interpretDepth,
  neededOutputs,
  type DepthModelSpec,
  type InterpretContext,
  type InterpretedDepth,
  type OutputKind,
  type PinholeK,
  type RawOutput,
  type ScaleSource,
} from './adapters.js';
export { depthErrors, depthStats, fitScaleShift, quantileIn, resampleDepth, type DepthStats } from './maps.js';
export { recoverFocalShift, type FocalShift } from './moge.js';
export { modelInputSize, rgbToPlanar, roundHalfEven, type Normalisation, type ResizeRule } from './preprocess.js';
