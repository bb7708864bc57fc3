/**
 * engines/video: ffmpeg/ffprobe as child processes — probing (size, rotation, rate, duration) and
 * streaming upright RGB frames through a pipe. Node only.
 */
export { VideoError, type VideoErrorCode } from './errors.js';
export { type FfmpegPaths } from './ffmpeg.js';
export { type VideoInfo, probeVideo, rotationFromProbe } from './probe.js';
export { type ReadFramesOptions, type ReadFramesResult, type VideoFrame, outputSize, readFrames } from './frames.js';
