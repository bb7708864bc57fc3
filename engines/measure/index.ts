/**
 * engines/measure: metric distances between clicked pixels, from a reference rectangle's plane
 * homography, a depth map fitted to it, a known length or a metric depth model, with a calibrated
 * 1-sigma. Pure functions over typed arrays; see measure.ts for the scale sources and noise model.
 */
export { MEASURE_ERROR_STATUS, MeasureError, type MeasureErrorCode } from './errors.js';
export {
  applyHomography,
  checkReferenceQuad,
  createPlanePose,
  focalFromHomography,
  homographyFromCorners,
  invert3x3,
  planeDepthAtPixel,
  planePoseFromHomography,
  type PlanePose,
} from './homography.js';
export {
  REFERENCE_SIZES_M,
  measureDistance,
  type DepthFitSummary,
  type DepthMapInput,
  type MeasureInput,
  type MeasureResult,
  type NoiseModel,
  type PixelXY,
  type PointSource,
  type Reference,
  type ScaleSource,
  type Vec3,
} from './measure.js';
export { sampleDepthRobust, type DepthSample, type DepthSampleMethod } from './sample.js';
