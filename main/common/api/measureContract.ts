import { z } from 'zod';
import { DEPTH_MAX_FILE_BYTES, IntrinsicsSchema } from './depthContract.js';
import { endpoint } from './endpoint.js';
import { numberList } from './fields.js';

/** Reference objects of known size: width × height in metres, width along the top-left → top-right edge. */
export const REFERENCE_OBJECTS = {
  a4: { widthM: 0.21, heightM: 0.297, label: 'A4 sheet (210 × 297 mm)' },
  letter: { widthM: 0.2159, heightM: 0.2794, label: 'US Letter sheet (8.5 × 11 in)' },
  card: { widthM: 0.0856, heightM: 0.05398, label: 'ID-1 card: credit card, ID card (85.60 × 53.98 mm)' },
} as const;
export type ReferenceObject = keyof typeof REFERENCE_OBJECTS;

/** `count` comma-separated numbers, with a message that names the field and echoes the input. */
function numbers(count: number, what: string) {
  return numberList(count, (s) => `${what}: expected ${count} comma-separated numbers, got "${s.slice(0, 80)}"`);
}
const pixel = (what: string) =>
  numbers(2, what)
    .transform((p) => p as [number, number])
    .describe(`${what}: "x,y" in pixels of the upright image (0,0 = top-left corner)`);
const positive = (what: string) =>
  z.coerce.number().refine((v) => Number.isFinite(v) && v > 0, `${what} must be a positive number`);

export const MeasureFieldsSchema = z
  .object({
    from: pixel('from'),
    to: pixel('to'),
    reference: z
      .enum(['a4', 'letter', 'card', 'custom', 'length'])
      .optional()
      .describe(
        'A reference of known size in the photo: a4, letter, card (ID-1), custom (give reference_size_m), or length (two pixels a known distance apart).',
      ),
    reference_corners: numbers(8, 'reference_corners')
      .optional()
      .describe(
        'The reference rectangle\'s corners "x1,y1,…,x4,y4" in order top-left, top-right, bottom-right, bottom-left (width along the first edge).',
      ),
    reference_size_m: numbers(2, 'reference_size_m').optional().describe('Custom rectangle "width,height" in metres.'),
    reference_from: pixel('reference_from').optional(),
    reference_to: pixel('reference_to').optional(),
    reference_length_m: positive('reference_length_m')
      .optional()
      .describe('Known length between reference_from and reference_to, metres.'),
    on_plane: z
      .enum(['auto', 'true', 'false'])
      .default('auto')
      .describe(
        "Are both points on the reference rectangle's plane? auto: decided from the depth (or assumed when no depth model is installed).",
      ),
    model: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,80}$/)
      .optional()
      .describe('Depth model id; default: the best installed one.'),
    focal_px: positive('focal_px').optional().describe('Focal length in pixels of the upright image.'),
    fx: positive('fx').optional(),
    fy: positive('fy').optional(),
    cx: z.coerce.number().optional(),
    cy: z.coerce.number().optional(),
    distortion: z
      .string()
      .optional()
      .transform((s, ctx) => {
        if (s === undefined) return undefined;
        const v = s
          .split(/[\s,;]+/)
          .filter(Boolean)
          .map(Number);
        if ((v.length !== 4 && v.length !== 5) || v.some((x) => !Number.isFinite(x))) {
          ctx.addIssue({ code: 'custom', message: 'distortion: expected "k1,k2,p1,p2[,k3]" (OpenCV order)' });
          return z.NEVER;
        }
        return { k1: v[0]!, k2: v[1]!, p1: v[2]!, p2: v[3]!, k3: v[4] ?? 0 };
      })
      .describe(
        'Lens distortion "k1,k2,p1,p2[,k3]" as OpenCV calibrates it; all pixel inputs are undistorted first (needs fx/fy/cx/cy of the same calibration).',
      ),
    click_sigma_px: positive('click_sigma_px')
      .default(0.5)
      .describe('1-sigma error of each clicked pixel (points and corners), for the uncertainty.'),
  })
  .strict()
  .superRefine((v, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
    const rect = v.reference !== undefined && v.reference !== 'length';
    if (rect && !v.reference_corners) issue(`reference ${v.reference} needs reference_corners`);
    if (v.reference === 'custom' && !v.reference_size_m) issue('reference custom needs reference_size_m');
    if (v.reference_size_m && v.reference_size_m.some((x) => x <= 0)) issue('reference_size_m must be positive');
    if (v.reference === 'length' && (!v.reference_from || !v.reference_to || v.reference_length_m === undefined))
      issue('reference length needs reference_from, reference_to and reference_length_m');
    if (v.reference_corners && !rect)
      issue('reference_corners given without a rectangle reference (a4, letter, card, custom)');
    const k = [v.fx, v.fy, v.cx, v.cy].filter((x) => x !== undefined).length;
    if (k !== 0 && k !== 4) issue('give fx, fy, cx and cy together');
    if (k === 4 && v.focal_px !== undefined) issue('give either focal_px or fx/fy/cx/cy, not both');
    if (v.distortion && k !== 4) issue('distortion needs the full intrinsics fx, fy, cx, cy of the same calibration');
  });

const DepthSampleSchema = z.object({
  depth_m: z.number(),
  sigma_m: z.number(),
  method: z.string(),
  straddles_edge: z.boolean(),
  window_px: z.int(),
});

const MeasuredPointSchema = z.object({
  pixel: z.tuple([z.number(), z.number()]),
  camera_m: z
    .tuple([z.number(), z.number(), z.number()])
    .describe('Camera frame, metres (x right, y down, z forward).'),
  depth: DepthSampleSchema.nullable().describe('The depth sampled at the point, when a depth map was used.'),
});

export const MeasureResultSchema = z
  .object({
    distance_m: z.number(),
    sigma_m: z.number().describe('1-sigma uncertainty of distance_m.'),
    scale_source: z.enum(['reference_plane', 'reference_depth_fit', 'known_length', 'model_metric']),
    on_plane: z.boolean(),
    from: MeasuredPointSchema,
    to: MeasuredPointSchema,
    reference: z
      .object({
        kind: z.string(),
        width_m: z.number().optional(),
        height_m: z.number().optional(),
        length_m: z.number().optional(),
      })
      .nullable(),
    intrinsics: IntrinsicsSchema,
    model: z.object({ id: z.string(), family: z.string(), provider: z.string() }).nullable(),
    image: z.object({ width: z.int(), height: z.int(), exif_orientation: z.int() }),
    uncertainty: z.record(z.string(), z.number()).describe('1-sigma contribution of each noise source, metres.'),
    notes: z.array(z.string()),
    timings_ms: z.object({ total: z.number() }),
  })
  .meta({ id: 'MeasureResult' });

export const measureEndpoints = {
  measure: endpoint({
    method: 'post',
    path: '/v1/measure',
    tag: 'measure',
    summary: 'Measure the real distance between two pixels of a photo',
    description:
      "Distance in metres between two pixels, with a 1-sigma uncertainty, the two 3-D points, the depth used at each and which scale source applied: a reference rectangle (A4, letter, card, custom) — exact for points on its plane, or fixing the depth map's scale off it —, a known length, or a metric depth model. A relative model without a reference is refused with what to add.",
    auth: 'key',
    upload: {
      file: 'image',
      fileDescription: 'The photo.',
      fields: MeasureFieldsSchema,
      maxFileBytes: DEPTH_MAX_FILE_BYTES,
    },
    response: { status: 200, description: 'The measurement.', schema: MeasureResultSchema },
    errors: [
      'model_not_installed',
      'model_invalid',
      'forbidden',
      'unavailable',
      'point_outside',
      'identical_points',
      'degenerate_reference',
      'no_scale',
      'no_depth_at_point',
    ],
    timeoutMs: 120_000,
  }),
};
