import { z } from 'zod';

/**
 * The model manifest (`resources/models/manifest.json`): every model SpatialForge knows, with the
 * facts needed to download it, check it at load and run it. Carried over from the shared catalog;
 * `null` means "not confirmed" and is never guessed.
 */

/** Depth adapter families: each knows its resize rule, normalisation and output meaning. */
export const DEPTH_FAMILIES = ['da2-relative', 'da2-metric', 'moge2', 'metric3d', 'pydnet'] as const;
export type DepthFamily = (typeof DEPTH_FAMILIES)[number];

export const TENSOR_DTYPES = ['float32', 'float16', 'int64', 'int32', 'uint8', 'bool'] as const;
export type TensorDtype = (typeof TENSOR_DTYPES)[number];

/** One named model input or output. A string dimension is symbolic (dynamic); a number is fixed. */
export const TensorSpecSchema = z.object({
  name: z.string().min(1),
  dtype: z.enum(TENSOR_DTYPES),
  shape: z.array(z.union([z.int().nonnegative(), z.string().min(1)])),
});
export type TensorSpec = z.output<typeof TensorSpecSchema>;

export const OutputSpecSchema = TensorSpecSchema.extend({
  meaning: z.string(),
  units: z.string(),
});

/**
 * How an image becomes the model's input tensor.
 * - `fit-multiple`: keep aspect; the side needing the smaller scale change lands on `target`, both
 *   sides then rounded to a multiple of `multiple` (DPTImageProcessor, "lower bound" off).
 * - `fixed`: stretch to exactly width × height.
 * - `tokens`: any size within the aspect limits; `num_tokens` (a second input) sets the ViT grid.
 */
export const ResizeRuleSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('fit-multiple'), target: z.int().positive(), multiple: z.int().positive() }),
  z.object({ mode: z.literal('fixed'), width: z.int().positive(), height: z.int().positive() }),
  z.object({
    mode: z.literal('tokens'),
    num_tokens: z.int().positive(),
    multiple: z.int().positive(),
    max_side: z.int().positive(),
  }),
]);
export type ResizeRule = z.output<typeof ResizeRuleSchema>;

export const PreprocessSchema = z.object({
  color: z.literal('RGB'),
  /** Multiplied into 0..255 pixel values first (1/255 or 1). */
  scale: z.number().positive(),
  /** Then (x - mean) / std per channel, in the scaled range; null = no normalisation outside the graph. */
  mean: z.tuple([z.number(), z.number(), z.number()]).nullable(),
  std: z.tuple([z.number(), z.number(), z.number()]).nullable(),
  resize: ResizeRuleSchema,
  /** The catalog's words, kept for people. */
  note: z.string(),
});
export type Preprocess = z.output<typeof PreprocessSchema>;

/**
 * What the main output means.
 * - `inverse_relative`: larger = nearer, unknown scale and shift (Depth Anything V2 relative).
 * - `relative`: grows with distance, unknown scale and shift (PyDNet).
 * - `metric`: metres (DA2 metric, clipped at `max_depth_m`).
 * - `canonical_metric`: metres for a camera with focal `canonical_focal_px`; scale by focal/canonical.
 * - `point_map`: affine-invariant point map + metric scale + mask (MoGe-2).
 */
export const OutputKindSchema = z.enum(['inverse_relative', 'relative', 'metric', 'canonical_metric', 'point_map']);
export type OutputKind = z.output<typeof OutputKindSchema>;

export const ModelEntrySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,80}$/),
  name: z.string(),
  family: z.enum(DEPTH_FAMILIES),
  task: z.literal('depth'),
  url: z.url().nullable(),
  bytes: z.int().positive().nullable(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  license: z.string(),
  /** true: commercial use allowed; false: research only; null: unclear (treated as research only). */
  commercial_use: z.boolean().nullable(),
  inputs: z.array(TensorSpecSchema).min(1),
  outputs: z.array(OutputSpecSchema).min(1),
  preprocess: PreprocessSchema,
  output: z.object({
    kind: OutputKindSchema,
    /** Name of the output tensor the adapter reads first. */
    primary: z.string(),
    canonical_focal_px: z.number().positive().optional(),
    max_depth_m: z.number().positive().optional(),
  }),
  notes: z.string(),
  sources: z.array(z.string()),
});
export type ModelEntry = z.output<typeof ModelEntrySchema>;

export const ManifestSchema = z.object({
  schema: z.literal(1),
  models: z.array(ModelEntrySchema),
});
export type Manifest = z.output<typeof ManifestSchema>;

/** Research-only or unclear weights need research mode. */
export function needsResearchMode(entry: Pick<ModelEntry, 'commercial_use'>): boolean {
  return entry.commercial_use !== true;
}
