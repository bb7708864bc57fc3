import { artifactRefUntilExpiry } from '../api/handlers/artifactRef.js';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ExplicitIntrinsics } from '../../engines/core/camera.js';
import type { DepthModelSpec } from '../../engines/depth/index.js';
import {
  RECON_MAX_IMAGES,
  RECON_MAX_PIXELS,
  RECON_MAX_UPLOAD_BYTES,
  RECON_PRESET_TABLE,
  RECON_PRESETS,
  RECONSTRUCT_JOB_TYPE,
  type ReconPreset,
  type ReconstructResultSchema,
} from '../common/api/reconstructContract.js';
import { AppError } from '../common/errors.js';
import type { ApiKeyId } from '../common/ids.js';
import type { JobRow } from '../db/repos/jobs.js';
import { JobInputStore, type StoredInput } from '../jobs/inputs.js';
import { describeJobError } from '../jobs/errors.js';
import { JobAbort, type JobContext, type JobQueue } from '../jobs/queue.js';
import type { ArtifactStore } from '../storage/artifactStore.js';
import type { DepthService } from './depthService.js';
import { InferenceHost } from './inferenceHost.js';
import type { ReconJob, ReconJobResult, WorkerConfig, WrittenArtifact } from './protocol.js';
import { knownLength, type KnownScale } from '../common/api/reconstructContract.js';

type Result = z.output<typeof ReconstructResultSchema>;

const MAX_ATTEMPTS = 2;

/** A reconstruction job's stored input: where its upload lies (see JobInputStore) and what was asked. */
export interface ReconstructInput extends StoredInput {
  kind: 'video' | 'images';
  preset: ReconPreset;
  model: string | null;
  intrinsics: ExplicitIntrinsics | null;
  known_scale: KnownScale | null;
  /** Inputs stored before `known_scale` existed. */
  known_length?: { frame: number; from: [number, number]; to: [number, number]; length_m: number } | null;
}

export interface ReconstructRequest {
  files: readonly { field: string; filename: string; data: Uint8Array }[];
  preset: ReconPreset;
  model?: string | undefined;
  intrinsics?: ExplicitIntrinsics | undefined;
  knownScale?: KnownScale | null;
  webhookUrl?: string | undefined;
  ownerKeyId: ApiKeyId | null;
}

const ARTIFACT_KEYS: Record<keyof ReconJobResult['artifacts'], keyof Result['artifacts']> = {
  'points.ply': 'points_ply',
  'mesh.ply': 'mesh_ply',
  'cameras.txt': 'cameras_txt',
  'images.txt': 'images_txt',
  'points3D.txt': 'points3d_txt',
};

/**
 * Reconstructions as durable jobs. `submit` stores the upload under the data folder and enqueues a
 * `reconstruct.run` job; the job runs the pipeline (reconJob.ts) in a worker thread of its own, so
 * a cancel terminates it at once, wherever it is; a server killed mid-run leaves the job's lease to
 * expire and the next server runs it again from the stored upload.
 */
export class ReconstructService {
  constructor(
    private readonly deps: {
      inputs: JobInputStore;
      jobs: JobQueue;
      artifacts: ArtifactStore;
      depth: DepthService;
      config: WorkerConfig;
      logger: Logger;
    },
  ) {}

  /** Registers the job type on the queue (the process that runs jobs). */
  register(): void {
    this.deps.jobs.registerJobType<ReconstructInput, Result>(RECONSTRUCT_JOB_TYPE, {
      concurrency: 1, // CPU-bound through and through: one at a time on a small machine
      maxAttempts: MAX_ATTEMPTS,
      leaseMs: 10_000, // renewed every ~3 s by the main thread (the work is in a worker); a dead server’s job waits ≤ 10 s
      parseInput: (raw) => this.parseInput(raw),
      run: (ctx) => this.run(ctx),
    });
  }

  /** Checks the request, stores the upload, enqueues the job. */
  async submit(req: ReconstructRequest): Promise<JobRow> {
    const videos = req.files.filter((f) => f.field === 'video');
    const images = req.files.filter((f) => f.field === 'images');
    if (videos.length + images.length === 0)
      throw new AppError('bad_request', 'send one `video` or at least two `images`', {
        details: { reason: 'no_input' },
      });
    if (videos.length > 0 && images.length > 0)
      throw new AppError('bad_request', 'send either one `video` or `images`, not both', {
        details: { reason: 'mixed_input' },
      });
    if (videos.length > 1)
      throw new AppError('bad_request', 'send one video per reconstruction', { details: { reason: 'several_videos' } });
    if (videos.length === 0 && images.length < 2)
      throw new AppError('bad_request', `a reconstruction needs at least two images; ${images.length} given`, {
        details: { reason: 'too_few_frames', frames: images.length },
      });
    for (const f of req.files)
      if (f.data.byteLength === 0)
        throw new AppError(
          'bad_request',
          `${f.field === 'video' ? 'the video' : `image ${f.filename || ''}`} is empty (0 bytes)`,
          {
            details: { reason: f.field === 'video' ? 'video_empty' : 'image_empty' },
          },
        );
    // Fail now, not minutes later in the job, when there is no usable depth model.
    this.deps.depth.modelFor(req.model, 'a reconstruction needs depth');

    const uploads = (videos.length ? videos : images).map((f) => ({ data: f.data, name: f.filename }));
    return this.deps.inputs.save(uploads, videos.length ? 'video' : 'image', (stored) => {
      const input: ReconstructInput = {
        ...stored,
        kind: videos.length ? 'video' : 'images',
        preset: req.preset,
        model: req.model ?? null,
        intrinsics: req.intrinsics ?? null,
        known_scale: req.knownScale ?? null,
      };
      return this.deps.jobs.enqueue(RECONSTRUCT_JOB_TYPE, input, {
        ownerKeyId: req.ownerKeyId,
        webhookUrl: req.webhookUrl ?? null,
      });
    });
  }

  private parseInput(raw: unknown): ReconstructInput {
    const r = raw as Partial<ReconstructInput> | null;
    if (
      !JobInputStore.valid(r, RECON_MAX_IMAGES) ||
      (r.kind !== 'video' && r.kind !== 'images') ||
      !(RECON_PRESETS as readonly string[]).includes(r.preset as string)
    )
      throw new AppError('bad_request', 'malformed reconstruction input');
    return r as ReconstructInput;
  }

  private async run(ctx: JobContext<ReconstructInput>): Promise<Result> {
    try {
      const result = await this.attempt(ctx);
      await this.deps.inputs.remove(ctx.input);
      return result;
    } catch (err) {
      // The upload goes with the job's end: a cancel or a final failure, not a shutdown or a retry.
      const reason: unknown = ctx.signal.aborted ? ctx.signal.reason : null;
      const ends =
        reason instanceof JobAbort
          ? reason.kind === 'cancel'
          : !describeJobError(err).transient || ctx.attempt >= MAX_ATTEMPTS;
      if (ends) await this.deps.inputs.remove(ctx.input);
      throw err;
    }
  }

  private async attempt(ctx: JobContext<ReconstructInput>): Promise<Result> {
    const input = ctx.input;
    const { inputs } = this.deps;
    if (!inputs.exists(input))
      throw new AppError('gone', 'the uploaded input of this job is no longer stored; submit it again');
    const { entry, file } = this.deps.depth.modelFor(input.model ?? undefined, 'a reconstruction needs depth');
    const preset = RECON_PRESET_TABLE[input.preset];
    const kl = input.known_length;
    const knownScale = input.known_scale ?? (kl ? knownLength(kl.frame, kl.from, kl.to, kl.length_m) : null);
    const job: Omit<ReconJob, 'type' | 'jobId'> = {
      input:
        input.kind === 'video'
          ? { kind: 'video_file', path: inputs.pathOf(input, 0) }
          : {
              kind: 'image_files',
              files: input.files.map((f, i) => ({ path: inputs.pathOf(input, i), name: f.name })),
            },
      preset,
      model: {
        id: entry.id,
        file,
        signature: { inputs: entry.inputs, outputs: entry.outputs },
        spec: entry as unknown as DepthModelSpec,
        family: entry.family,
      },
      intrinsics: input.intrinsics ?? undefined,
      knownScale,
      limits: { maxPixels: RECON_MAX_PIXELS, maxBytes: RECON_MAX_UPLOAD_BYTES },
      tmpDir: ctx.tmpDir,
    };
    // A worker thread of its own: canceling terminates it, whatever it is in the middle of.
    const host = new InferenceHost(this.deps.config, this.deps.logger);
    const stop = () => void host.close();
    ctx.signal.addEventListener('abort', stop, { once: true });
    let result: ReconJobResult;
    try {
      result = await host.runReconstruct(job, (stage, fraction, message) => ctx.progress(stage, fraction, message));
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw err;
    } finally {
      ctx.signal.removeEventListener('abort', stop);
      await host.close();
    }

    // Into the artifact store (owned by the job's key), then the result with long-lived links.
    const ownerKeyId = this.ownerOf(ctx);
    const refs: Result['artifacts'] = {};
    for (const [name, a] of Object.entries(result.artifacts) as [
      keyof ReconJobResult['artifacts'],
      WrittenArtifact,
    ][]) {
      const moved = path.join(this.deps.artifacts.tmpDir, path.basename(a.file));
      await fs.promises.rename(a.file, moved);
      const row = await this.deps.artifacts.adopt(
        moved,
        { sha256: a.sha256, sizeBytes: a.bytes },
        { contentType: a.contentType, filename: name, ownerKeyId },
      );
      refs[ARTIFACT_KEYS[name]] = artifactRefUntilExpiry(this.deps.artifacts, row, a.contentType);
    }
    return reconView(input.preset, result, refs);
  }

  private ownerOf(ctx: JobContext<ReconstructInput>): ApiKeyId | null {
    return this.deps.jobs.get(ctx.id)?.ownerKeyId ?? null;
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** The pipeline's answer → the job's JSON result. */
export function reconView(preset: ReconPreset, r: ReconJobResult, artifacts: Result['artifacts']): Result {
  const keyframes = new Set(r.keyframes);
  const K = r.pose.intrinsics.K;
  return {
    preset,
    scale: r.scale,
    frames: r.frames,
    points: r.points,
    mesh: r.mesh,
    bounds: r.bounds,
    voxel_size_m: r.voxelSize,
    cameras: r.pose.frames.map((f, index) => ({
      index,
      time_s: f.timeS !== null && Number.isFinite(f.timeS) ? f.timeS : null,
      keyframe: keyframes.has(index),
      cam_from_world: f.R && f.t ? { R: f.R, t: f.t } : null, // already in world units
    })),
    intrinsics: { fx: K.fx, fy: K.fy, cx: K.cx, cy: K.cy, source: r.pose.intrinsics.source },
    depth_model: { id: r.depth.model, provider: r.depth.provider },
    memory: { peak_rss_mib: Math.round(r.memory.peakRssMiB), tsdf_mib: Math.round(r.memory.tsdfMiB * 10) / 10 },
    artifacts,
    timings_ms: {
      poses: round(r.timingsMs.poses),
      depth: round(r.timingsMs.depth),
      fusion: round(r.timingsMs.fusion),
      mesh: round(r.timingsMs.mesh),
      write: round(r.timingsMs.write),
      total: round(r.timingsMs.total),
    },
  };
}
