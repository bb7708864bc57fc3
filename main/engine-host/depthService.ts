import fs from 'node:fs';
import type { ExplicitIntrinsics, IntrinsicsSource } from '../../engines/core/camera.js';
import type { Distortion } from '../../engines/core/distortion.js';
import type { DepthModelSpec } from '../../engines/depth/index.js';
import type { DepthOutput } from '../common/api/depthContract.js';
import { DEPTH_MAX_FILE_BYTES, DEPTH_MAX_PIXELS } from '../common/api/depthContract.js';
import { AppError } from '../common/errors.js';
import type { ApiKeyId } from '../common/ids.js';
import type { ModelEntry } from '../common/models.js';
import type { ModelStore } from '../models/modelStore.js';
import type { ArtifactStore } from '../storage/artifactStore.js';
import type { ArtifactRow } from '../db/repos/artifacts.js';
import type { InferenceHost } from './inferenceHost.js';
import type { DepthJobResult, MeasureJob, MeasureJobResult, PinholeIntrinsics, WrittenArtifact } from './protocol.js';

/** Installed models are chosen in this order when the caller names none: metric first. */
export const DEFAULT_MODEL_ORDER = [
  'moge-2-vits-normal',
  'metric3d-v2-vit-small-fp16',
  'depth-anything-v2-metric-small',
  'depth-anything-v2-small-fp32',
  'depth-anything-v2-small-fp16',
  'depth-anything-v2-small-int8',
  'pydnet-pp-448x640-local',
];

export interface DepthRequest {
  image: Uint8Array;
  modelId?: string | undefined;
  intrinsics?: ExplicitIntrinsics | undefined;
  outputs: readonly DepthOutput[];
  ownerKeyId: ApiKeyId | null;
  /** Name stem for the artifact files. */
  name?: string;
  signal?: AbortSignal;
  /** Hand the image's buffer to the worker without a copy; the caller must not use it afterwards. */
  transferImage?: boolean;
}

export interface MeasureRequest {
  image: Uint8Array;
  modelId?: string | undefined;
  intrinsics?: ExplicitIntrinsics | undefined;
  distortion?: Distortion | undefined;
  p1: [number, number];
  p2: [number, number];
  reference?: MeasureJob['reference'];
  onPlane: 'auto' | boolean;
  clickSigmaPx: number;
  signal?: AbortSignal;
  /** As in DepthRequest. */
  transferImage?: boolean;
}

export interface MeasureResponse {
  entry: ModelEntry | null;
  result: MeasureJobResult;
  intrinsics: PinholeIntrinsics & { source: IntrinsicsSource; note: string };
}

export interface StoredArtifact {
  row: ArtifactRow;
  contentType: string;
}

export interface DepthResponse {
  entry: ModelEntry;
  provider: string;
  image: { width: number; height: number; format: string; orientation: number };
  modelInput: { width: number; height: number };
  intrinsics: PinholeIntrinsics & { source: IntrinsicsSource; note: string };
  result: DepthJobResult;
  artifacts: Partial<Record<DepthOutput, StoredArtifact>>;
  timingsMs: { decode: number; inference: number; postprocess: number; store: number; total: number };
}

const INTRINSICS_NOTE: Record<IntrinsicsSource, string> = {
  explicit: 'as given in the request',
  exif_35mm: 'from EXIF FocalLengthIn35mmFilm (35 mm equivalent on the diagonal)',
  exif_focal_sensor: 'from EXIF FocalLength and the sensor size (FocalPlaneXResolution)',
  model: 'estimated by the model from the image (no trusted focal length was available)',
  heuristic:
    'no focal length in the request or EXIF: assumed a 26 mm-equivalent phone main camera; pass focal_px for trustworthy metric scale',
};

/**
 * Photo → depth. The main thread picks the model and indexes the results; the inference worker
 * decodes, orients, resolves intrinsics, resizes, runs the model, post-processes and writes the
 * artifact files (see inferenceWorker.ts). The event loop never touches a pixel.
 */
export class DepthService {
  constructor(
    private readonly models: ModelStore,
    private readonly artifacts: ArtifactStore,
    private readonly host: InferenceHost,
    private readonly options: { plyMaxPoints?: number; previewMaxSide?: number; maxPixels?: number } = {},
  ) {}

  /** The model a request without `model` uses: the first installed, usable one in DEFAULT_MODEL_ORDER. */
  defaultModel(): ModelEntry | null {
    const usable = this.models.entries().filter((e) => this.models.resolve(e.id).ok);
    const rank = (id: string) => {
      const i = DEFAULT_MODEL_ORDER.indexOf(id);
      return i < 0 ? DEFAULT_MODEL_ORDER.length : i;
    };
    return usable.sort((a, b) => rank(a.id) - rank(b.id))[0] ?? null;
  }

  async estimate(req: DepthRequest): Promise<DepthResponse> {
    const t0 = performance.now();
    const { entry, file } = this.modelFor(req.modelId);
    const result = await this.host.runDepth(
      {
        model: {
          id: entry.id,
          file,
          signature: { inputs: entry.inputs, outputs: entry.outputs },
          spec: entry as unknown as DepthModelSpec,
        },
        image: req.image,
        limits: { maxPixels: this.options.maxPixels ?? DEPTH_MAX_PIXELS, maxBytes: DEPTH_MAX_FILE_BYTES },
        intrinsics: req.intrinsics,
        outputs: [...req.outputs],
        plyMaxPoints: this.options.plyMaxPoints ?? 500_000,
        previewMaxSide: this.options.previewMaxSide ?? 1600,
        tmpDir: this.artifacts.tmpDir,
      },
      req.transferImage === true,
      req.signal,
    );
    const t1 = performance.now();

    const stem = (req.name ?? 'depth').replace(/\.[^.]*$/, '') || 'depth';
    const names: Record<DepthOutput, string> = {
      png16: result.metric ? `${stem}.depth-mm.png` : `${stem}.depth-rel1000.png`,
      npy: `${stem}.depth.npy`,
      preview: `${stem}.depth-preview.png`,
      mask: `${stem}.mask.png`,
      ply: `${stem}.points.ply`,
    };
    const written = Object.entries(result.artifacts) as [DepthOutput, WrittenArtifact][];
    const stored: Partial<Record<DepthOutput, StoredArtifact>> = {};
    try {
      for (const [kind, a] of written) {
        const row = await this.artifacts.adopt(
          a.file,
          { sha256: a.sha256, sizeBytes: a.bytes },
          { contentType: a.contentType, filename: names[kind], ownerKeyId: req.ownerKeyId },
        );
        stored[kind] = { row, contentType: a.contentType };
      }
    } catch (err) {
      await Promise.all(written.map(([, a]) => fs.promises.rm(a.file, { force: true })));
      throw err;
    }
    const t2 = performance.now();
    const source = result.intrinsics.source;
    return {
      entry,
      provider: result.provider,
      image: result.image,
      modelInput: result.modelInput,
      intrinsics: { ...result.intrinsics.K, source, note: INTRINSICS_NOTE[source] },
      result,
      artifacts: stored,
      timingsMs: {
        decode: result.timingsMs.decode,
        inference: result.timingsMs.inference,
        postprocess: result.timingsMs.preprocess + result.timingsMs.postprocess,
        store: t2 - t1,
        total: t2 - t0,
      },
    };
  }

  /**
   * Two pixels → metres (engines/measure), with a depth model when the measurement needs one: a
   * reference rectangle with `onPlane: true` never does; with `'auto'` the model is used when one
   * is installed (or named); everything else needs one.
   */
  async measure(req: MeasureRequest): Promise<MeasureResponse> {
    const rectangle = req.reference?.kind === 'rectangle';
    let picked: { entry: ModelEntry; file: string } | null = null;
    if (!(rectangle && req.onPlane === true)) {
      if (rectangle && req.onPlane === 'auto' && req.modelId === undefined) {
        const entry = this.defaultModel();
        picked = entry ? { entry, file: this.models.pathOf(entry.id) } : null;
      } else picked = this.modelFor(req.modelId, 'measuring off a reference plane needs depth');
    }
    const result = await this.host.runMeasure(
      {
        model: picked
          ? {
              id: picked.entry.id,
              file: picked.file,
              signature: { inputs: picked.entry.inputs, outputs: picked.entry.outputs },
              spec: picked.entry as unknown as DepthModelSpec,
            }
          : null,
        image: req.image,
        limits: { maxPixels: this.options.maxPixels ?? DEPTH_MAX_PIXELS, maxBytes: DEPTH_MAX_FILE_BYTES },
        intrinsics: req.intrinsics,
        distortion: req.distortion,
        p1: req.p1,
        p2: req.p2,
        reference: req.reference,
        onPlane: req.onPlane,
        clickSigmaPx: req.clickSigmaPx,
      },
      req.transferImage === true,
      req.signal,
    );
    const source = result.intrinsics.source;
    return {
      entry: picked?.entry ?? null,
      result,
      intrinsics: { ...result.intrinsics.K, source, note: INTRINSICS_NOTE[source] },
    };
  }

  /** The model a request names, or the default one; 404/403/409 errors say what to do. */
  modelFor(modelId: string | undefined, why = ''): { entry: ModelEntry; file: string } {
    if (modelId === undefined) {
      const entry = this.defaultModel();
      if (!entry) {
        throw new AppError(
          'model_not_installed',
          `${why ? `${why}, and ` : ''}no depth model is installed; install one with \`spatialforge models pull depth-anything-v2-small-fp32\` (or POST /v1/models/{id}/pull)`,
        );
      }
      return { entry, file: this.models.pathOf(entry.id) };
    }
    const loc = this.models.resolve(modelId);
    if (loc.ok) return { entry: loc.entry, file: loc.path };
    switch (loc.reason) {
      case 'unknown':
        throw new AppError('not_found', loc.message);
      case 'research_only':
        throw new AppError('forbidden', loc.message);
      default:
        throw new AppError('model_not_installed', loc.message, { details: { model: modelId, state: loc.reason } });
    }
  }
}
