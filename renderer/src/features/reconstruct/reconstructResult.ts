import { z } from 'zod';
import { ArtifactRefSchema } from '../../../../main/common/api/depthContract.js';

/*
 * POST /v1/reconstruct as agreed with the core (being added to its contract on another branch):
 * the path, the job's stages and the result's schema. When the contract lands, the schema becomes
 * an import from the contract module. (A job's `result` is `unknown` in JobSchema, so the renderer
 * parses it here either way.) Pure: no I/O, so it is unit-tested without a browser.
 */

export const RECONSTRUCT_PATH = '/v1/reconstruct';
export const RECONSTRUCT_JOB_TYPE = 'reconstruct.run';
export const PRESETS = ['draft', 'standard', 'high'] as const;
export type Preset = (typeof PRESETS)[number];

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

const Vec3 = z.tuple([z.number(), z.number(), z.number()]);
const CamFromWorld = z.object({ R: z.array(z.number()).length(9), t: z.array(z.number()).length(3) });

export const ReconstructResultSchema = z.object({
  preset: z.enum(PRESETS),
  scale: z.object({ kind: z.enum(['metric', 'relative']), source: z.string(), note: z.string() }),
  frames: z.object({ total: z.number(), keyframes: z.number(), posed: z.number(), fused: z.number() }),
  points: z.number(),
  mesh: z.object({ vertices: z.number(), faces: z.number() }),
  bounds: z.object({ min: Vec3, max: Vec3 }),
  voxel_size_m: z.number(),
  cameras: z.array(
    z.object({ index: z.number(), time_s: z.number().nullable(), cam_from_world: CamFromWorld.nullable() }),
  ),
  intrinsics: z.object({ fx: z.number(), fy: z.number(), cx: z.number(), cy: z.number() }),
  artifacts: z.object({
    points_ply: ArtifactRefSchema.optional(),
    mesh_ply: ArtifactRefSchema.optional(),
    cameras_txt: ArtifactRefSchema.optional(),
    images_txt: ArtifactRefSchema.optional(),
    points3d_txt: ArtifactRefSchema.optional(),
  }),
  timings_ms: z.record(z.string(), z.number()),
});
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
