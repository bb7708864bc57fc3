import { z } from 'zod';
import { ArtifactRefSchema } from './depthContract.js';
import { endpoint } from './endpoint.js';
import { JobSchema } from './jobsContract.js';
import { checkIntrinsicsFields, outputList, positiveNumber } from './fields.js';

export const POSE_OUTPUTS = ['colmap', 'ply'] as const;
export type PoseOutput = (typeof POSE_OUTPUTS)[number];

/**
 * Most frames computed while the request waits (200). Asking for more (`max_frames`, or more
 * photos) makes the request a job (202): see POSE_JOB_MAX_FRAMES.
 */
export const POSE_MAX_FRAMES = 60;
/** Most frames of a pose job. */
export const POSE_JOB_MAX_FRAMES = 1000;
export const POSE_JOB_TYPE = 'pose.run';
/** Default video sampling rate, frames per second. */
export const POSE_DEFAULT_FPS = 2;
/** Largest accepted upload: the video, or all images together. */
export const POSE_MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
/** Largest accepted image, in pixels after decoding (about 50 MP). */
export const POSE_MAX_PIXELS = 50_000_000;

/** How every pose in a result is to be read (also in the OpenAPI description and the PLY header). */
export const POSE_FRAME_CONVENTION =
  'cam_from_world maps world points into the camera: x_cam = R·x_world + t (R row-major 3×3; camera axes OpenCV: x right, y down, z forward; COLMAP uses the same convention). The world frame is the camera of the first frame of the initial pair (frames.initial_pair[0]); the scale is unknown (the initial pair’s baseline is 1).';

const num = positiveNumber;

export const PoseFieldsSchema = z
  .object({
    focal_px: num('focal_px')
      .optional()
      .describe('Focal length in pixels of the frames as uploaded (upright, full size). Overrides EXIF.'),
    fx: num('fx').optional().describe('Full intrinsics (pixels): give fx, fy, cx and cy together.'),
    fy: num('fy').optional(),
    cx: num('cx').optional(),
    cy: num('cy').optional(),
    fps: num('fps')
      .refine((v) => v <= 60, 'fps must be at most 60')
      .optional()
      .describe(`Video only: frames sampled per second of video (default ${POSE_DEFAULT_FPS}).`),
    max_frames: z.coerce
      .number()
      .int('max_frames must be an integer')
      .min(2, 'max_frames must be at least 2')
      .max(POSE_JOB_MAX_FRAMES, `max_frames must be at most ${POSE_JOB_MAX_FRAMES}`)
      .default(POSE_MAX_FRAMES)
      .describe(
        `Most frames to use (default ${POSE_MAX_FRAMES}); an input that gives more is refused with a 413. Over ${POSE_MAX_FRAMES} (up to ${POSE_JOB_MAX_FRAMES}) the request becomes a job: 202 with the job, whose result is this endpoint's usual answer.`,
      ),
    webhook_url: z
      .url()
      .max(2000)
      .optional()
      .describe('For a request that becomes a job: receives a signed POST when the job ends (see /v1/jobs).'),
    outputs: outputList(POSE_OUTPUTS).describe(
      'Comma-separated artifacts: colmap (cameras.txt, images.txt, points3D.txt), ply (points.ply); default both.',
    ),
  })
  .strict()
  .superRefine(checkIntrinsicsFields);

export const PoseIntrinsicsSource = z.enum(['explicit', 'exif_35mm', 'exif_focal_sensor', 'estimated', 'heuristic']);

export const PoseResultSchema = z
  .object({
    input: z.object({
      kind: z.enum(['video', 'images']),
      frames: z.int().describe('Frames used (sampled from the video, or the images in upload order).'),
      width: z.int().describe('Upright full-size frame width, px: the pixel frame of intrinsics and the export.'),
      height: z.int(),
      processing: z
        .object({ width: z.int(), height: z.int() })
        .describe('Size the frames were tracked at (scaled down from the full size).'),
      video: z
        .object({
          fps_sampled: z.number(),
          duration_s: z.number().nullable(),
          codec: z.string(),
          rotation_deg: z.int(),
        })
        .nullable(),
    }),
    frame_convention: z.string(),
    frames: z.array(
      z.object({
        index: z.int(),
        name: z.string().describe('Whitespace-free name, as in images.txt.'),
        time_s: z.number().nullable().describe('Video only: time of the frame from the start.'),
        registered: z.boolean(),
        status: z.enum(['registered', 'too_few_matches', 'pnp_failed', 'no_initial_pair']),
        reason: z.string().nullable(),
        cam_from_world: z
          .object({
            R: z.array(z.number()).length(9).describe('Rotation, row-major.'),
            t: z.array(z.number()).length(3).describe('Translation (unknown scale).'),
          })
          .nullable(),
      }),
    ),
    initial_pair: z.tuple([z.int(), z.int()]).nullable(),
    registered: z.int(),
    total: z.int(),
    intrinsics: z.object({
      fx: z.number(),
      fy: z.number(),
      cx: z.number(),
      cy: z.number(),
      source: PoseIntrinsicsSource,
      initial_fx: z.number().describe('The focal length the reconstruction started from, px.'),
      note: z.string(),
    }),
    points: z.int().describe('Triangulated 3-D points.'),
    rms_reprojection_px: z
      .number()
      .nullable()
      .describe('After the final bundle adjustment, px of the full-size frames.'),
    reprojection_px: z
      .object({
        observations: z.int(),
        median: z.number().nullable(),
        p90: z.number().nullable(),
        max: z.number().nullable(),
      })
      .describe('Over every observation of a triangulated point in a registered frame, px of the full-size frames.'),
    artifacts: z.object({
      cameras_txt: ArtifactRefSchema.optional(),
      images_txt: ArtifactRefSchema.optional(),
      points3d_txt: ArtifactRefSchema.optional(),
      ply: ArtifactRefSchema.optional(),
    }),
    timings_ms: z.object({
      decode: z.number(),
      tracking: z.number(),
      sfm: z.number(),
      store: z.number(),
      total: z.number(),
    }),
  })
  .meta({ id: 'PoseResult' });

export const poseEndpoints = {
  pose: endpoint({
    method: 'post',
    path: '/v1/pose',
    tag: 'pose',
    summary: 'Camera poses from a video or photos',
    description: `Upload one \`video\` (anything ffmpeg decodes; sampled at \`fps\`) or several \`images\` (JPEG, PNG, WebP, TIFF, AVIF; EXIF orientation applied; one camera, same aspect ratio). Frames are tracked (Lucas–Kanade) and reconstructed by incremental structure from motion. Returns per-frame camFromWorld, the intrinsics used and where they came from (explicit → EXIF of the first image → a 26 mm-equivalent guess refined by bundle adjustment: \`estimated\`), which frames could not be registered and why, reprojection error statistics, and links to a COLMAP text model (cameras.txt, images.txt, points3D.txt) and a coloured PLY of the sparse points. ${POSE_FRAME_CONVENTION} Up to ${POSE_MAX_FRAMES} frames the answer comes while the request waits (200). With more photos, or \`max_frames\` over ${POSE_MAX_FRAMES}, the request becomes a job (type \`${POSE_JOB_TYPE}\`): **202** with the job and \`Location: /v1/jobs/{id}\`; the job's result is the PoseResult. A video that gives more than \`max_frames\` frames at \`fps\` is refused (413) either way.`,
    auth: 'key',
    upload: {
      file: 'video',
      fileDescription: 'One video (send either this or `images`).',
      alternatives: {
        images: {
          description: `Photos of one scene, in order (2 to ${POSE_JOB_MAX_FRAMES}; more than ${POSE_MAX_FRAMES} make it a job); send either these or \`video\`.`,
          maxCount: POSE_JOB_MAX_FRAMES,
        },
      },
      fields: PoseFieldsSchema,
      maxFileBytes: POSE_MAX_UPLOAD_BYTES,
      maxTotalBytes: POSE_MAX_UPLOAD_BYTES,
    },
    response: { status: 200, description: 'Poses, intrinsics and artifacts.', schema: PoseResultSchema },
    accepted: { status: 202, description: 'A large input: the job that computes it, queued.', schema: JobSchema },
    errors: ['unavailable'],
    timeoutMs: 300_000,
    bodyLimitBytes: POSE_MAX_UPLOAD_BYTES,
  }),
};
