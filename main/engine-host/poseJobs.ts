import fs from 'node:fs';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ExplicitIntrinsics } from '../../engines/core/camera.js';
import { artifactRefUntilExpiry } from '../api/handlers/artifactRef.js';
import { poseView } from '../api/handlers/pose.js';
import {
  POSE_JOB_MAX_FRAMES,
  POSE_JOB_TYPE,
  POSE_OUTPUTS,
  type PoseOutput,
  type PoseResultSchema,
} from '../common/api/poseContract.js';
import { AppError } from '../common/errors.js';
import type { ApiKeyId } from '../common/ids.js';
import type { JobRow } from '../db/repos/jobs.js';
import { describeJobError } from '../jobs/errors.js';
import { JobInputStore, type StoredInput } from '../jobs/inputs.js';
import { JobAbort, type JobContext, type JobQueue } from '../jobs/queue.js';
import type { ArtifactStore } from '../storage/artifactStore.js';
import { InferenceHost } from './inferenceHost.js';
import type { PoseRequest, PoseService } from './poseService.js';
import type { WorkerConfig } from './protocol.js';

type Result = z.output<typeof PoseResultSchema>;

/** A pose job's stored input. */
export interface PoseJobInput extends StoredInput {
  kind: 'video' | 'images';
  fps: number | null;
  max_frames: number;
  intrinsics: ExplicitIntrinsics | null;
  outputs: PoseOutput[];
}

const MAX_ATTEMPTS = 2;

/**
 * Poses of large inputs as durable jobs (`pose.run`): the same pipeline as POST /v1/pose, in a
 * worker thread of its own per job (a cancel terminates it), over the upload stored with the job.
 */
export class PoseJobs {
  constructor(
    private readonly deps: {
      inputs: JobInputStore;
      jobs: JobQueue;
      artifacts: ArtifactStore;
      pose: PoseService;
      config: WorkerConfig;
      logger: Logger;
    },
  ) {}

  register(): void {
    this.deps.jobs.registerJobType<PoseJobInput, Result>(POSE_JOB_TYPE, {
      concurrency: 1,
      maxAttempts: MAX_ATTEMPTS,
      leaseMs: 10_000,
      parseInput: (raw) => {
        const r = raw as Partial<PoseJobInput> | null;
        if (
          !JobInputStore.valid(r, POSE_JOB_MAX_FRAMES) ||
          (r.kind !== 'video' && r.kind !== 'images') ||
          !(typeof r.max_frames === 'number' && r.max_frames >= 2 && r.max_frames <= POSE_JOB_MAX_FRAMES) ||
          !Array.isArray(r.outputs) ||
          !r.outputs.every((o) => (POSE_OUTPUTS as readonly string[]).includes(o))
        )
          throw new AppError('bad_request', 'malformed pose job input');
        return r as PoseJobInput;
      },
      run: (ctx) => this.run(ctx),
    });
  }

  /** Stores the upload and enqueues the job. */
  submit(req: {
    files: readonly { field: string; filename: string; data: Uint8Array }[];
    fps: number | undefined;
    maxFrames: number;
    intrinsics: ExplicitIntrinsics | undefined;
    outputs: readonly PoseOutput[];
    webhookUrl: string | undefined;
    ownerKeyId: ApiKeyId | null;
  }): Promise<JobRow> {
    const video = req.files.find((f) => f.field === 'video');
    const files = video ? [video] : req.files;
    if (!video && req.fps !== undefined) throw new AppError('validation_failed', 'fps applies to a video only');
    for (const f of files)
      if (f.data.byteLength === 0)
        throw new AppError('bad_request', `${video ? 'the video' : `image ${f.filename}`} is empty (0 bytes)`, {
          details: { reason: video ? 'video_empty' : 'image_empty' },
        });
    return this.deps.inputs.save(
      files.map((f) => ({ data: f.data, name: f.filename })),
      video ? 'video' : 'image',
      (stored) =>
        this.deps.jobs.enqueue(
          POSE_JOB_TYPE,
          {
            ...stored,
            kind: video ? 'video' : 'images',
            fps: req.fps ?? null,
            max_frames: video ? req.maxFrames : Math.max(req.maxFrames, files.length),
            intrinsics: req.intrinsics ?? null,
            outputs: [...req.outputs],
          } satisfies PoseJobInput,
          { ownerKeyId: req.ownerKeyId, webhookUrl: req.webhookUrl ?? null },
        ),
    );
  }

  private async run(ctx: JobContext<PoseJobInput>): Promise<Result> {
    const { inputs } = this.deps;
    const input = ctx.input;
    try {
      if (!inputs.exists(input))
        throw new AppError('gone', 'the uploaded input of this job is no longer stored; submit it again');
      const req: PoseRequest = {
        input:
          input.kind === 'video'
            ? { kind: 'video_file', path: inputs.pathOf(input, 0) }
            : {
                kind: 'images',
                images: await Promise.all(
                  input.files.map(async (f, i) => ({
                    data: new Uint8Array(await fs.promises.readFile(inputs.pathOf(input, i))),
                    name: f.name,
                  })),
                ),
              },
        fps: input.fps ?? undefined,
        maxFrames: input.max_frames,
        intrinsics: input.intrinsics ?? undefined,
        outputs: input.outputs,
        ownerKeyId: this.deps.jobs.get(ctx.id)?.ownerKeyId ?? null,
        transfer: true,
      };
      const host = new InferenceHost(this.deps.config, this.deps.logger);
      const stop = () => void host.close();
      ctx.signal.addEventListener('abort', stop, { once: true });
      let view: Result;
      try {
        const r = await this.deps.pose.estimate(req, {
          host,
          limit: POSE_JOB_MAX_FRAMES,
          progress: (stage, fraction, message) => ctx.progress(stage, fraction * 0.95, message),
        });
        view = poseView(r, (a) => artifactRefUntilExpiry(this.deps.artifacts, a.row, a.contentType));
      } catch (err) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        throw err;
      } finally {
        ctx.signal.removeEventListener('abort', stop);
        await host.close();
      }
      await inputs.remove(input);
      return view;
    } catch (err) {
      const reason: unknown = ctx.signal.aborted ? ctx.signal.reason : null;
      const ends =
        reason instanceof JobAbort
          ? reason.kind === 'cancel'
          : !describeJobError(err).transient || ctx.attempt >= MAX_ATTEMPTS;
      if (ends) await inputs.remove(input);
      throw err;
    }
  }
}
