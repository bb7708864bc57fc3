/** engines/image: pixel-level image work (colour maps, depth quantisation) and the image type. */
export { TURBO_LUT, colorizeDepth, type ColorizeOptions, type ColorizeRange } from './colormap.js';
export { DEPTH_MM_MAX, depthToMillimetres } from './depthMm.js';
export type { RgbImage } from './image.js';
