import type { z } from 'zod';
import {
  RECON_PRESETS,
  RECONSTRUCT_JOB_TYPE,
  ReconstructResultSchema,
  type ReconPreset,
} from '../../../../main/common/api/reconstructContract.js';

/*
 * POST /v1/reconstruct for the renderer: the job's stages as the user is told them, and the result
 * read with the contract's own schema (a job's `result` is `unknown` in JobSchema). Pure: no I/O,
 * so it is unit-tested without a browser.
 */

export const RECONSTRUCT_PATH = '/v1/reconstruct';
export { RECONSTRUCT_JOB_TYPE, ReconstructResultSchema };
export const PRESETS = RECON_PRESETS;
export type Preset = ReconPreset;

/** The job's stages, in order, with what the user is told about each. */
export const RECONSTRUCT_STAGES = [
  ['frames', 'Frames', 'Reading the frames and picking keyframes'],
  ['poses', 'Camera poses', 'Tracking features and solving camera poses'],
  ['depth', 'Depth', 'Estimating depth for each keyframe'],
  ['fusion', 'Fusion', 'Fusing the depth maps into one point cloud'],
  ['mesh', 'Mesh', 'Building a mesh'],
  ['writing', 'Writing', 'Writing the PLY and COLMAP files'],
] as const;

export const PRESET_INFO: Record<Preset, string> = {
  draft: 'Fast preview: fewer keyframes, coarse voxels.',
  standard: 'Balanced detail and time.',
  high: 'Most keyframes and the finest voxels; slowest.',
};

export type ReconstructResult = z.output<typeof ReconstructResultSchema>;

/** Reads a finished job's result; says what is wrong when it is not the agreed shape. */
export function parseReconstructResult(result: unknown): ReconstructResult {
  const parsed = ReconstructResultSchema.safeParse(result);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  throw new Error(
    `The core’s reconstruction result is not in the form this app reads (${first ? `${first.path.join('.')}: ${first.message}` : 'unknown'}). Update SpatialForge so the app and the core match.`,
  );
}
