/**
 * engines/features: grey images, pyramids, Shi–Tomasi corners, pyramidal Lucas–Kanade tracking,
 * sharpness and keyframe selection — the front end of pose estimation from video.
 */
export { type GrayImage, createGray, rgbToGray } from './gray.js';
export { type ImagePyramid, buildPyramid, createPyramid, pyrDown, scharr } from './pyramid.js';
export { type CornerOptions, detectCorners, minEigenResponse } from './corners.js';
export {
  type LKOptions,
  TRACK_FB_MISMATCH,
  TRACK_FLAT,
  TRACK_HIGH_ERROR,
  TRACK_OK,
  TRACK_OUTSIDE,
  trackLK,
} from './lk.js';
export { type Tracks, type TrackerOptions, Tracker } from './tracker.js';
export { laplacianVariance } from './sharpness.js';
export { type FrameDecision, type FrameSelectorOptions, FrameSelector } from './frameSelector.js';
export {
  DESCRIPTOR_WORDS,
  PATCH_RADIUS,
  type DescriptorOptions,
  type DetectDescribeOptions,
  type Keypoints,
  briefPattern,
  describeKeypoints,
  detectAndDescribe,
  gaussianBlur,
  hammingDistance,
  intensityCentroidAngle,
  refineCornersSubpixel,
} from './descriptors.js';
export {
  type MatchOptions,
  type MatchedTracks,
  type PairMatches,
  type PairOptions,
  type TrackBuildOptions,
  buildTracks,
  imagePairs,
  matchDescriptors,
} from './matching.js';
