/** engines/pose: camera poses — two-view geometry, triangulation, PnP, bundle adjustment. */
export {
  FIVE_POINT_MAX_SOLUTIONS,
  decomposeEssential,
  essentialEstimator,
  essentialFromEightPoints,
  essentialFromFivePoints,
  estimateRelativePose,
  normalisePixels,
  poseFromEssential,
  projectToEssential,
  refineRelativePose,
  sampsonErrorSq,
  twoViewDepths,
  type RelativePoseOptions,
  type RelativePoseResult,
} from './essential.js';
