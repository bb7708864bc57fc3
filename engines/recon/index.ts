/**
 * engines/recon: dense reconstruction from posed depth maps — depth clean-up and metric scale,
 * TSDF fusion over a voxel-block hash, point clouds and marching-cubes meshes, and evaluation
 * against ground truth. Pure TypeScript over typed arrays; no I/O.
 *
 * Conventions: world metres; camFromWorld x_cam = R·x_world + t (R row-major 3×3), OpenCV camera
 * axes (x right, y down, z forward); depth maps are z-depths in metres, row-major, 0/NaN = none;
 * pixels as engines/core/camera.ts (pixel (i, j) centred at (i + 0.5, j + 0.5)).
 */
export {
  BLOCK_RESOLUTION,
  BLOCK_VOXELS,
  TsdfVolume,
  type CamFromWorldLike,
  type IntegrateOptions,
  type IntegrateReport,
  type TsdfStats,
  type TsdfVolumeOptions,
} from './tsdf.js';
export {
  extractMesh,
  extractPointCloud,
  type SurfaceMesh,
  type SurfaceOptions,
  type SurfacePoints,
} from './surface.js';
export { meshArea, meshSignedVolume } from './meshStats.js';
export {
  filterDepthEdges,
  multiViewConsistency,
  type ConsistencyOptions,
  type DepthView,
  type EdgeFilterOptions,
} from './depthFilters.js';
export {
  applyScaleShift,
  fitScaleShift,
  type ScaleShift,
  type ScaleShiftFailure,
  type ScaleShiftMode,
  type ScaleShiftOptions,
  type ScaleShiftResult,
} from './scaleShift.js';
export { PointGrid, evaluateSurface, type SurfaceEvaluation } from './evaluate.js';
