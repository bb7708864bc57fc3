/** engines/core: cameras, pixel/camera geometry and plain file formats (NPY, PLY). */
export {
  FULL_FRAME_DIAGONAL_MM,
  HEURISTIC_FOCAL_35MM,
  fieldOfViewDeg,
  focal35mmFromPx,
  focalPxFrom35mm,
  focalPxFromSensor,
  heuristicFocalPx,
  orientationSwapsAxes,
  resolveIntrinsics,
  scaleIntrinsics,
  type ExifFocalFacts,
  type ExplicitIntrinsics,
  type Intrinsics,
  type IntrinsicsSource,
  type ResolveIntrinsicsInput,
  type ResolvedIntrinsics,
} from './camera.js';
export {
  NPY_NATIVE_LITTLE_ENDIAN,
  decodeNpy,
  encodeNpy,
  encodeNpyHeader,
  type DecodedNpy,
  type NpyArray,
  type NpyDtype,
} from './npy.js';
export {
  DEFAULT_PLY_COMMENT,
  DEFAULT_PLY_MESH_COMMENT,
  decodePly,
  decodePlyMesh,
  encodePly,
  encodePlyMesh,
  type DecodedPly,
  type DecodedPlyMesh,
  type PlyMesh,
  type PlyPointCloud,
} from './ply.js';
export { countUsableDepth, gatherPointColors, unprojectDepth } from './unproject.js';
export { distortPixel, undistortPixel, type Distortion } from './distortion.js';
export { mulberry32, randomInt, randomNormal, type Rng } from './random.js';
export {
  checkRansacOptions,
  ransac,
  ransacIterations,
  type Estimator,
  type RansacOptions,
  type RansacResult,
} from './ransac.js';
export {
  MAX_POLY_DEGREE,
  gaussJordanInPlace,
  mat3Determinant,
  mat3Invert,
  mat3MulVec3,
  mat3Multiply,
  mat3Skew,
  mat3Transpose,
  polyEval,
  polyRealRoots,
  rotationAngleBetweenDeg,
  rotationFromAxisAngle,
  choleskySolveInPlace,
  solveInPlace,
  svd,
  symmetricEigen,
  vec3Cross,
  vec3Dot,
  vec3Norm,
  vec3Normalize,
} from './linalg.js';
