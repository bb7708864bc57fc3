import { z } from 'zod';
import { ArtifactRefSchema } from './depthContract.js';
import { endpoint } from './endpoint.js';
import { checkIntrinsicsFields, numberList, positiveNumber } from './fields.js';
import { JobSchema } from './jobsContract.js';
import { REFERENCE_OBJECTS } from './measureContract.js';

export const RECONSTRUCT_JOB_TYPE = 'reconstruct.run';
export const RECON_PRESETS = ['draft', 'standard', 'high'] as const;
export type ReconPreset = (typeof RECON_PRESETS)[number];
/** Stages of a reconstruction job, in order (the job's `stage`). */
export const RECON_STAGES = ['frames', 'poses', 'depth', 'fusion', 'mesh', 'writing'] as const;

/** Largest accepted upload: the video, or all photos together. */
export const RECON_MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
/** Most photos per reconstruction. */
export const RECON_MAX_IMAGES = 300;
/** Largest accepted photo, in pixels after decoding (about 50 MP). */
export const RECON_MAX_PIXELS = 50_000_000;

/**
 * What each quality preset trades. Frames are sampled from a video at `fps` (lowered to fit
 * `max_frames` for a long video), tracked and fused at `max_side` pixels (longer side); at most
 * `max_keyframes` get a depth map; voxels are `voxel_m` metres when the scale is metric, else
 * `voxel_relative` × the median scene depth.
 */
export const RECON_PRESET_TABLE: Record<
  ReconPreset,
  { fps: number; maxFrames: number; maxSide: number; maxKeyframes: number; voxelM: number; voxelRelative: number }
> = {
  draft: { fps: 2, maxFrames: 80, maxSide: 480, maxKeyframes: 20, voxelM: 0.03, voxelRelative: 0.015 },
  standard: { fps: 3, maxFrames: 160, maxSide: 640, maxKeyframes: 40, voxelM: 0.02, voxelRelative: 0.01 },
  high: { fps: 5, maxFrames: 300, maxSide: 960, maxKeyframes: 80, voxelM: 0.01, voxelRelative: 0.005 },
};

const num = positiveNumber;
const pixel = (what: string) =>
  z
    .string()
    .regex(/^\s*-?\d+(\.\d+)?\s*,\s*-?\d+(\.\d+)?\s*$/, `${what} must be "x,y" in pixels`)
    .transform((s) => s.split(',').map(Number) as [number, number]);

export const ReconstructFieldsSchema = z
  .object({
    preset: z
      .enum(RECON_PRESETS)
      .default('standard')
      .describe(
        `Quality: ${RECON_PRESETS.map((p) => {
          const t = RECON_PRESET_TABLE[p];
          return `${p} (${t.fps} fps up to ${t.maxFrames} frames, ${t.maxSide} px, ≤ ${t.maxKeyframes} depth keyframes, ${t.voxelM * 100} cm voxels when metric)`;
        }).join('; ')}.`,
      ),
    model: z
      .string()
      .max(200)
      .optional()
      .describe('Depth model id (see GET /v1/models); default: the best installed depth model.'),
    focal_px: num('focal_px')
      .optional()
      .describe('Focal length in pixels of the frames as uploaded (upright, full size). Overrides EXIF.'),
    fx: num('fx').optional().describe('Full intrinsics (pixels): give fx, fy, cx and cy together.'),
    fy: num('fy').optional(),
    cx: num('cx').optional(),
    cy: num('cy').optional(),
    known_length_m: num('known_length_m')
      .optional()
      .describe(
        'A known distance, metres, between `known_from` and `known_to` in frame `known_frame`: makes the result metric.',
      ),
    known_frame: z.coerce
      .number()
      .int('known_frame must be an integer')
      .min(0, 'known_frame must be 0 or more')
      .optional()
      .describe(
        'Index of the frame holding the known length: the photo’s position, or the sampled video frame (frames are sampled at the preset’s fps from 0 s).',
      ),
    known_from: pixel('known_from').optional().describe('"x,y": one end of the known length, full-size pixels.'),
    known_to: pixel('known_to').optional().describe('"x,y": the other end.'),
    known_rect: z
      .enum(['a4', 'letter', 'card', 'custom'])
      .optional()
      .describe(
        'Instead of a known length: a rectangle of known size seen in frame `known_frame` — a4, letter, card (ID-1) or custom (give known_rect_size_m) — whose corners are `known_rect_corners`. Makes the result metric.',
      ),
    known_rect_corners: numberList(8, 'known_rect_corners must be "x1,y1,x2,y2,x3,y3,x4,y4" in pixels')
      .transform((v) => [0, 2, 4, 6].map((i) => [v[i]!, v[i + 1]!] as [number, number]))
      .optional()
      .describe(
        'The rectangle\'s corners "x1,y1,…,x4,y4", full-size pixels, in order top-left, top-right, bottom-right, bottom-left (its width along the first edge).',
      ),
    known_rect_size_m: numberList(2, 'known_rect_size_m must be "width,height" in metres, both positive', (x) => x > 0)
      .transform((v) => v as [number, number])
      .optional()
      .describe('A custom rectangle\'s "width,height" in metres.'),
    webhook_url: z.url().max(2000).optional().describe('Receives a signed POST when the job ends (see /v1/jobs).'),
  })
  .strict()
  .superRefine(checkIntrinsicsFields)
  .superRefine((v, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
    const length = [v.known_length_m, v.known_from, v.known_to].filter((x) => x !== undefined).length;
    const rect = v.known_rect !== undefined || v.known_rect_corners !== undefined;
    if (length !== 0 && rect) issue('give either a known length or a known rectangle, not both');
    else if (length !== 0 && (length !== 3 || v.known_frame === undefined))
      issue('give known_length_m, known_frame, known_from and known_to together');
    else if (rect) {
      if (!v.known_rect || !v.known_rect_corners || v.known_frame === undefined)
        issue('give known_rect, known_rect_corners and known_frame together');
      if (v.known_rect === 'custom' && !v.known_rect_size_m) issue('known_rect custom needs known_rect_size_m');
    } else if (length === 0 && v.known_frame !== undefined)
      issue('known_frame needs a known length or a known rectangle');
    if (v.known_rect_size_m && v.known_rect !== 'custom') issue('known_rect_size_m is only for known_rect custom');
  });

export type ReconstructFields = z.output<typeof ReconstructFieldsSchema>;

/**
 * The known size that fixes a reconstruction's scale, as stored with the job: pixel segments of
 * known length in one frame — one for a known length; a rectangle's four edges and two diagonals.
 */
export interface KnownScale {
  kind: 'length' | 'rectangle';
  frame: number;
  /** For notes: "the known length of 1.2 m", "the A4 sheet (210 × 297 mm)". */
  label: string;
  segments: { from: [number, number]; to: [number, number]; length_m: number }[];
}

/** A known length between two pixels of frame `frame`. */
export function knownLength(frame: number, from: [number, number], to: [number, number], lengthM: number): KnownScale {
  return {
    kind: 'length',
    frame,
    label: `the known length of ${lengthM} m`,
    segments: [{ from, to, length_m: lengthM }],
  };
}

/** The known length or rectangle of validated fields, or null. */
export function knownScaleOf(v: ReconstructFields): KnownScale | null {
  if (v.known_frame === undefined) return null;
  if (v.known_length_m !== undefined && v.known_from && v.known_to)
    return knownLength(v.known_frame, v.known_from, v.known_to, v.known_length_m);
  if (!v.known_rect || !v.known_rect_corners) return null;
  const [w, h] =
    v.known_rect === 'custom'
      ? v.known_rect_size_m!
      : [REFERENCE_OBJECTS[v.known_rect].widthM, REFERENCE_OBJECTS[v.known_rect].heightM];
  const [tl, tr, br, bl] = v.known_rect_corners as [number, number][];
  const diagonal = Math.hypot(w, h);
  return {
    kind: 'rectangle',
    frame: v.known_frame,
    label:
      v.known_rect === 'custom'
        ? `the ${w} × ${h} m rectangle`
        : `the ${REFERENCE_OBJECTS[v.known_rect].label.replace(/:.*$/, '')}`,
    segments: [
      { from: tl!, to: tr!, length_m: w },
      { from: bl!, to: br!, length_m: w },
      { from: tl!, to: bl!, length_m: h },
      { from: tr!, to: br!, length_m: h },
      { from: tl!, to: br!, length_m: diagonal },
      { from: tr!, to: bl!, length_m: diagonal },
    ],
  };
}

const Vec3 = z.tuple([z.number(), z.number(), z.number()]);

export const ReconstructResultSchema = z
  .object({
    preset: z.enum(RECON_PRESETS),
    scale: z.object({
      kind: z.enum(['metric', 'relative']),
      source: z.enum(['metric_model', 'known_length', 'known_rectangle', 'none']),
      note: z.string(),
    }),
    frames: z.object({
      total: z.int().describe('Frames read (sampled from the video, or photos).'),
      keyframes: z.int().describe('Sharp frames with enough parallax that got a depth map.'),
      posed: z.int().describe('Frames with a camera pose.'),
      fused: z.int().describe('Keyframes whose depth could be fitted and was fused.'),
    }),
    points: z.int().describe('Points in points_ply.'),
    mesh: z.object({ vertices: z.int(), faces: z.int() }),
    bounds: z.object({ min: Vec3, max: Vec3 }).nullable().describe('Axis-aligned bounds of the points, world units.'),
    voxel_size_m: z.number().describe('Voxel edge, world units (metres when the scale is metric).'),
    cameras: z.array(
      z.object({
        index: z.int(),
        time_s: z.number().nullable(),
        keyframe: z.boolean(),
        cam_from_world: z.object({ R: z.array(z.number()).length(9), t: z.array(z.number()).length(3) }).nullable(),
      }),
    ),
    intrinsics: z.object({ fx: z.number(), fy: z.number(), cx: z.number(), cy: z.number(), source: z.string() }),
    depth_model: z.object({ id: z.string(), provider: z.string() }),
    memory: z.object({ peak_rss_mib: z.number(), tsdf_mib: z.number() }),
    artifacts: z.object({
      points_ply: ArtifactRefSchema.optional(),
      mesh_ply: ArtifactRefSchema.optional(),
      cameras_txt: ArtifactRefSchema.optional(),
      images_txt: ArtifactRefSchema.optional(),
      points3d_txt: ArtifactRefSchema.optional(),
    }),
    timings_ms: z.object({
      poses: z.number(),
      depth: z.number(),
      fusion: z.number(),
      mesh: z.number(),
      write: z.number(),
      total: z.number(),
    }),
  })
  .meta({ id: 'ReconstructResult' });

export const reconstructEndpoints = {
  reconstruct: endpoint({
    method: 'post',
    path: '/v1/reconstruct',
    tag: 'reconstruct',
    summary: 'Start a reconstruction: a video or photos → coloured point cloud and mesh (a job)',
    description: `Upload one \`video\` or several \`images\`; answers **202** with the job (type \`${RECONSTRUCT_JOB_TYPE}\`) and \`Location: /v1/jobs/{id}\`. Follow it with GET /v1/jobs/{id} or its Server-Sent Events; its stages are ${RECON_STAGES.join(' → ')}. Pipeline: frames → camera poses (the pose engine) → sharp keyframes with parallax → depth per keyframe (the depth model; a relative model is fitted to the reconstructed points per frame, a metric one fixes the scale) → edge and multi-view-consistency filtering → TSDF fusion → a coloured point cloud and a marching-cubes mesh (binary PLY) plus the COLMAP text model. On success the job's \`result\` is a ReconstructResult. The scale is metric with a metric depth model, a known length or a reference rectangle of known size in one frame (known_* fields), else relative (said in \`scale\`). The upload is stored with the job until it ends, so a restart resumes it.`,
    auth: 'key',
    upload: {
      file: 'video',
      fileDescription: 'One video (send either this or `images`).',
      alternatives: {
        images: {
          description: `Photos of one scene (2 to ${RECON_MAX_IMAGES}); send either these or \`video\`.`,
          maxCount: RECON_MAX_IMAGES,
        },
      },
      fields: ReconstructFieldsSchema,
      maxFileBytes: RECON_MAX_UPLOAD_BYTES,
      maxTotalBytes: RECON_MAX_UPLOAD_BYTES,
    },
    response: { status: 202, description: 'The job, queued.', schema: JobSchema },
    errors: ['model_not_installed', 'not_found', 'forbidden'],
    timeoutMs: 300_000,
    bodyLimitBytes: RECON_MAX_UPLOAD_BYTES,
  }),
};
