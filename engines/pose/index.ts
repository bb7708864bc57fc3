/** engines/pose: camera poses — two-view geometry, triangulation, PnP, bundle adjustment, incremental SfM. */
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
export {
  P3P_MAX_SOLUTIONS,
  estimateAbsolutePose,
  refineAbsolutePose,
  solveP3P,
  type AbsolutePoseOptions,
  type AbsolutePoseResult,
  type CamFromWorld,
  type PoseRefineOptions,
  type PoseRefineReport,
} from './pnp.js';
export { bundleAdjust, type BundleLoss, type BundleOptions, type BundleProblem, type BundleReport } from './bundle.js';
export { applySimilarity, createSimilarity, umeyamaAlignment, type Similarity } from './align.js';
export { axisAngleFromRotation, multiplyRotations, rotationAngleBetween, rotationFromAxisAngle } from './rotation.js';
export {
  depthInCamera,
  reprojectionErrorPx,
  triangulateDlt,
  triangulatePoint,
  triangulateTwoView,
  triangulationAngleDeg,
  type TriangulationOptions,
  type TriangulationReport,
  type TriangulationStatus,
} from './triangulate.js';
export {
  incrementalSfm,
  type FrameStatus,
  type SfmOptions,
  type SfmResult,
  type SfmSegment,
  type Tracks,
} from './sfm.js';
export { matchTracks, type MatchTracksOptions, type MatchTracksReport } from './matchTracks.js';
