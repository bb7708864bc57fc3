import { z } from 'zod';
import { ArtifactRefSchema } from '../../../../main/common/api/depthContract.js';
import { JobSchema, type JobView } from '../../../../main/common/api/jobsContract.js';
import { api, postForm } from '../../app/connection.js';

/*
 * POST /v1/reconstruct is being added to the core's contract on another branch. Until it is in
 * main/common/api/contract.ts, this module is the renderer's one door to it: the path, the job's
 * stages and the result's schema exactly as agreed. When the contract lands, `startReconstruct`
 * becomes `api().call('reconstruct', …)` and the schema an import from the contract module.
 * (A job's `result` is `unknown` in JobSchema, so the renderer parses it here either way.)
 */

export const RECONSTRUCT_PATH = '/v1/reconstruct';
export const RECONSTRUCT_JOB_TYPE = 'reconstruct.run';
export const PRESETS = ['draft', 'standard', 'high'] as const;
export type Preset = (typeof PRESETS)[number];

/** The job's stages, in order, with what the user is told about each. */
export const RECONSTRUCT_STAGES = [
  ['frames', 'Frames', 'Picking sharp keyframes'],
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

/** Whether this core serves POST /v1/reconstruct, from its OpenAPI document. */
export async function reconstructAvailable(): Promise<boolean> {
  const doc = (await api().call('openapi', {})) as unknown as { paths?: Record<string, Record<string, unknown>> };
  return !!doc.paths?.[RECONSTRUCT_PATH]?.post;
}

/** Uploads the inputs and returns the queued job (the core answers 202 with it). */
export async function startReconstruct(form: FormData, signal?: AbortSignal): Promise<JobView> {
  const { json } = await postForm(RECONSTRUCT_PATH, form, signal);
  return JobSchema.parse(json);
}

/** Reads a finished job's result; says what is wrong when it is not the agreed shape. */
export function parseReconstructResult(result: unknown): ReconstructResult {
  const parsed = ReconstructResultSchema.safeParse(result);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  throw new Error(
    `The core’s reconstruction result is not in the form this app reads (${first ? `${first.path.join('.')}: ${first.message}` : 'unknown'}). Update SpatialForge so the app and the core match.`,
  );
}
