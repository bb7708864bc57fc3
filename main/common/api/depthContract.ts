import { z } from 'zod';
import { endpoint } from './endpoint.js';
import { checkIntrinsicsFields, outputList, positiveNumber } from './fields.js';

export const DEPTH_OUTPUTS = ['png16', 'npy', 'preview', 'mask', 'ply'] as const;
export type DepthOutput = (typeof DEPTH_OUTPUTS)[number];

/** Largest accepted image upload. */
export const DEPTH_MAX_FILE_BYTES = 64 * 1024 * 1024;
/** Largest accepted image, in pixels after decoding (about 50 MP). */
export const DEPTH_MAX_PIXELS = 50_000_000;

const num = positiveNumber;

export const DepthFieldsSchema = z
  .object({
    model: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,80}$/)
      .optional()
      .describe('Model id (see GET /v1/models); default: the best installed depth model.'),
    focal_px: num('focal_px')
      .optional()
      .describe('Focal length in pixels of the image as uploaded (after EXIF rotation). Overrides EXIF.'),
    fx: num('fx').optional().describe('Full intrinsics (pixels): give fx, fy, cx and cy together.'),
    fy: num('fy').optional(),
    cx: num('cx').optional(),
    cy: num('cy').optional(),
    outputs: outputList(DEPTH_OUTPUTS).describe(
      `Comma-separated artifacts to produce: ${DEPTH_OUTPUTS.join(', ')} (default: all).`,
    ),
  })
  .strict()
  .superRefine(checkIntrinsicsFields);

export const ArtifactRefSchema = z
  .object({
    id: z.string(),
    url: z.string().describe('Signed download link (path and query), valid until expires_at.'),
    expires_at: z.iso.datetime(),
    bytes: z.int().nonnegative(),
    content_type: z.string(),
    filename: z.string(),
  })
  .meta({ id: 'ArtifactRef' });

export const IntrinsicsSchema = z
  .object({
    fx: z.number(),
    fy: z.number(),
    cx: z.number(),
    cy: z.number(),
    source: z.enum(['explicit', 'exif_35mm', 'exif_focal_sensor', 'model', 'heuristic']),
    note: z.string(),
  })
  .meta({ id: 'Intrinsics', description: 'Pinhole intrinsics in pixels of the oriented image at full resolution.' });

export const DepthResultSchema = z
  .object({
    model: z.object({ id: z.string(), family: z.string(), provider: z.string() }),
    image: z.object({
      width: z.int(),
      height: z.int(),
      format: z.string(),
      exif_orientation: z.int().min(1).max(8),
    }),
    model_input: z.object({ width: z.int(), height: z.int() }),
    depth: z.object({
      kind: z.enum(['metric', 'relative']),
      units: z.enum(['m', 'relative']),
      grows_with_distance: z.literal(true),
      scale_source: z.enum(['model_metric', 'canonical_focal', 'point_map', 'none']),
      meaning: z.string(),
    }),
    intrinsics: IntrinsicsSchema,
    stats: z.object({
      min: z.number().nullable(),
      median: z.number().nullable(),
      max: z.number().nullable(),
      valid_fraction: z.number().min(0).max(1),
    }),
    mask: z.object({ meaning: z.string() }),
    png16: z.object({
      units_per_count: z.number(),
      meaning: z.string(),
    }),
    artifacts: z.object({
      png16: ArtifactRefSchema.optional(),
      npy: ArtifactRefSchema.optional(),
      preview: ArtifactRefSchema.optional(),
      mask: ArtifactRefSchema.optional(),
      ply: ArtifactRefSchema.optional(),
    }),
    timings_ms: z.object({
      decode: z.number(),
      inference: z.number(),
      postprocess: z.number(),
      store: z.number(),
      total: z.number(),
    }),
  })
  .meta({ id: 'DepthResult' });

export const depthEndpoints = {
  depth: endpoint({
    method: 'post',
    path: '/v1/depth',
    tag: 'depth',
    summary: 'Estimate depth from one photo',
    description:
      'Upload an image (JPEG, PNG incl. 16-bit/greyscale, WebP, TIFF, AVIF; EXIF orientation applied). Returns depth that grows with distance — metres when the model and intrinsics allow, otherwise clearly labelled relative depth — with the intrinsics used and where they came from, a validity mask, statistics and download links for the artifacts.',
    auth: 'key',
    upload: {
      file: 'image',
      fileDescription: 'The photo.',
      fields: DepthFieldsSchema,
      maxFileBytes: DEPTH_MAX_FILE_BYTES,
    },
    response: { status: 200, description: 'Depth and its artifacts.', schema: DepthResultSchema },
    errors: ['model_not_installed', 'model_invalid', 'forbidden', 'unavailable'],
    timeoutMs: 120_000,
  }),
};
