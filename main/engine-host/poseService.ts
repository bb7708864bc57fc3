import fs from 'node:fs';
import type { ExplicitIntrinsics } from '../../engines/core/camera.js';
import {
  POSE_DEFAULT_FPS,
  POSE_MAX_FRAMES,
  POSE_MAX_PIXELS,
  POSE_MAX_UPLOAD_BYTES,
  type PoseOutput,
} from '../common/api/poseContract.js';
import { AppError } from '../common/errors.js';
import type { ApiKeyId } from '../common/ids.js';
import type { ArtifactStore } from '../storage/artifactStore.js';
import type { StoredArtifact } from './depthService.js';
import type { InferenceHost } from './inferenceHost.js';
import type { PinholeIntrinsics, PoseJob, PoseJobResult, WrittenArtifact } from './protocol.js';

export type PoseArtifactName = keyof PoseJobResult['artifacts'];
export type PoseIntrinsicsSource = 'explicit' | 'exif_35mm' | 'exif_focal_sensor' | 'estimated' | 'heuristic';

export interface PoseRequest {
  input: PoseJob['input'];
  /** Video sampling rate (default 2 frames per second); only for a video. */
  fps?: number | undefined;
  /** Default and limit: POSE_MAX_FRAMES. */
  maxFrames?: number | undefined;
  intrinsics?: ExplicitIntrinsics | undefined;
  outputs: readonly PoseOutput[];
  ownerKeyId: ApiKeyId | null;
  signal?: AbortSignal;
  /** Hand the upload's buffers to the worker without a copy; the caller must not use them afterwards. */
  transfer?: boolean;
}

/** How a pose job runs the same pipeline: its own worker, a higher frame limit, progress. */
export interface PoseRunOptions {
  host: InferenceHost;
  /** Frame limit (default POSE_MAX_FRAMES, the synchronous one). */
  limit: number;
  progress?: (stage: string, fraction: number, message: string) => void;
}

export interface PoseResponse {
  result: PoseJobResult;
  intrinsics: PinholeIntrinsics & { source: PoseIntrinsicsSource; initialFx: number; note: string };
  artifacts: Partial<Record<PoseArtifactName, StoredArtifact>>;
  timingsMs: { decode: number; tracking: number; sfm: number; store: number; total: number };
}

const NOTE: Record<PoseIntrinsicsSource, string> = {
  explicit: 'as given in the request, kept fixed',
  exif_35mm: 'from EXIF FocalLengthIn35mmFilm of the first image, kept fixed',
  exif_focal_sensor: 'from EXIF FocalLength and the sensor size of the first image, kept fixed',
  estimated:
    'refined by bundle adjustment from a 26 mm-equivalent guess (no focal length was given, and videos carry none); pass focal_px when you know it',
  heuristic:
    'a 26 mm-equivalent guess, not refined (too little was reconstructed to refine it); pass focal_px when you know it',
};

/**
 * A video or photos → camera poses. The main thread checks the limits and indexes the artifact
 * files; a worker thread of its own reads the frames, tracks them, runs the SfM and writes the
 * files (poseJob.ts).
 */
export class PoseService {
  constructor(
    private readonly artifacts: ArtifactStore,
    private readonly host: InferenceHost,
    private readonly options: { maxSide?: number } = {},
  ) {}

  async estimate(req: PoseRequest, run?: PoseRunOptions): Promise<PoseResponse> {
    const t0 = performance.now();
    const limit = run?.limit ?? POSE_MAX_FRAMES;
    const maxFrames = req.maxFrames ?? POSE_MAX_FRAMES;
    if (maxFrames > limit) {
      throw new AppError(
        'payload_too_large',
        `max_frames ${maxFrames} is over the limit of ${limit} frames${run ? ' of a pose job' : ' answered while the request waits'}`,
        { details: { reason: 'too_many_frames', max_frames: limit } },
      );
    }
    if (!(Number.isInteger(maxFrames) && maxFrames >= 2))
      throw new AppError('validation_failed', 'max_frames must be an integer of at least 2');
    const input = req.input;
    if (input.kind === 'images') {
      if (req.fps !== undefined) throw new AppError('validation_failed', 'fps applies to a video only');
      const n = input.images.length;
      if (n < 2)
        throw new AppError('bad_request', `poses need at least two images; ${n} given`, {
          details: { reason: 'too_few_frames', frames: n },
        });
      if (n > maxFrames || n > limit)
        throw new AppError(
          'payload_too_large',
          `${n} images are more than ${n > limit ? `the limit of ${limit}` : `max_frames=${maxFrames}`}`,
          { details: { reason: 'too_many_frames', max_frames: Math.min(maxFrames, limit), frames: n } },
        );
    }
    const result = await (run?.host ?? this.host).runPose(
      {
        input,
        fps: req.fps ?? POSE_DEFAULT_FPS,
        maxFrames,
        maxSide: this.options.maxSide ?? 960,
        limits: { maxPixels: POSE_MAX_PIXELS, maxBytes: POSE_MAX_UPLOAD_BYTES },
        intrinsics: req.intrinsics,
        outputs: [...req.outputs],
        tmpDir: this.artifacts.tmpDir,
      },
      req.transfer === true,
      req.signal,
      run?.progress,
    );
    const t1 = performance.now();

    const written = Object.entries(result.artifacts) as [PoseArtifactName, WrittenArtifact][];
    const stored: PoseResponse['artifacts'] = {};
    try {
      for (const [name, a] of written) {
        const row = await this.artifacts.adopt(
          a.file,
          { sha256: a.sha256, sizeBytes: a.bytes },
          { contentType: a.contentType, filename: name, ownerKeyId: req.ownerKeyId },
        );
        stored[name] = { row, contentType: a.contentType };
      }
    } catch (err) {
      await Promise.all(written.map(([, a]) => fs.promises.rm(a.file, { force: true })));
      throw err;
    }
    const t2 = performance.now();
    const ri = result.intrinsics;
    const source: PoseIntrinsicsSource =
      ri.source === 'heuristic' && ri.refined ? 'estimated' : toPoseSource(ri.source);
    return {
      result,
      intrinsics: { ...ri.K, source, initialFx: ri.initial.fx, note: NOTE[source] },
      artifacts: stored,
      timingsMs: {
        decode: result.timingsMs.decode,
        tracking: result.timingsMs.tracking,
        sfm: result.timingsMs.sfm,
        store: result.timingsMs.write + (t2 - t1),
        total: t2 - t0,
      },
    };
  }
}

function toPoseSource(s: PoseJobResult['intrinsics']['source']): PoseIntrinsicsSource {
  // The pose job never asks a depth model for intrinsics.
  return s === 'model' ? 'heuristic' : s;
}
