import type { z } from 'zod';
import type { ArtifactRefSchema } from '../../common/api/depthContract.js';
import { Accepted } from '../../common/api/endpoint.js';
import { POSE_FRAME_CONVENTION, POSE_MAX_FRAMES, type PoseResultSchema } from '../../common/api/poseContract.js';
import type { PoseJobs } from '../../engine-host/poseJobs.js';
import { jobView } from '../../jobs/view.js';
import type { PoseArtifactName, PoseResponse, PoseService } from '../../engine-host/index.js';
import type { ArtifactStore } from '../../storage/artifactStore.js';
import type { ArtifactRow } from '../../db/repos/artifacts.js';
import type { Handlers } from '../routes.js';
import { artifactRef } from './artifactRef.js';

type Result = z.output<typeof PoseResultSchema>;
type Ref = z.output<typeof ArtifactRefSchema>;

const KEYS: Record<PoseArtifactName, keyof Result['artifacts']> = {
  'cameras.txt': 'cameras_txt',
  'images.txt': 'images_txt',
  'points3D.txt': 'points3d_txt',
  'points.ply': 'ply',
};

const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);
const round = (ms: number) => Math.round(ms * 10) / 10;

/** The engine's answer → the API's JSON (also what `spatialforge pose --json` prints, with file paths for links). */
export function poseView(
  r: PoseResponse,
  ref: (a: NonNullable<PoseResponse['artifacts'][PoseArtifactName]>) => Ref | null,
): Result {
  const res = r.result;
  const artifacts: Result['artifacts'] = {};
  for (const [name, a] of Object.entries(r.artifacts) as [
    PoseArtifactName,
    PoseResponse['artifacts'][PoseArtifactName],
  ][]) {
    const link = a && ref(a);
    if (link) artifacts[KEYS[name]] = link;
  }
  const v = res.input.video;
  return {
    input: {
      kind: res.input.kind,
      frames: res.frames.length,
      width: res.input.width,
      height: res.input.height,
      processing: res.input.processing,
      video: v
        ? {
            fps_sampled: v.fpsSampled,
            duration_s: finiteOrNull(v.durationS),
            codec: v.codec,
            rotation_deg: v.rotationDeg,
          }
        : null,
    },
    frame_convention: POSE_FRAME_CONVENTION,
    frames: res.frames.map((f, index) => ({
      index,
      name: f.name,
      time_s: f.timeS !== null && Number.isFinite(f.timeS) ? f.timeS : null,
      registered: f.status === 'registered',
      status: f.status,
      reason: f.status === 'registered' ? null : f.reason || f.status,
      cam_from_world: f.R && f.t ? { R: f.R, t: f.t } : null,
    })),
    initial_pair: res.initialPair,
    registered: res.registered,
    total: res.frames.length,
    intrinsics: {
      fx: r.intrinsics.fx,
      fy: r.intrinsics.fy,
      cx: r.intrinsics.cx,
      cy: r.intrinsics.cy,
      source: r.intrinsics.source,
      initial_fx: r.intrinsics.initialFx,
      note: r.intrinsics.note,
    },
    points: res.points,
    rms_reprojection_px: finiteOrNull(res.rmsReprojectionPx),
    reprojection_px: {
      observations: res.reprojection.observations,
      median: finiteOrNull(res.reprojection.median),
      p90: finiteOrNull(res.reprojection.p90),
      max: finiteOrNull(res.reprojection.max),
    },
    artifacts,
    timings_ms: {
      decode: round(r.timingsMs.decode),
      tracking: round(r.timingsMs.tracking),
      sfm: round(r.timingsMs.sfm),
      store: round(r.timingsMs.store),
      total: round(r.timingsMs.total),
    },
  };
}

export function poseHandlers(pose: PoseService, jobs: PoseJobs, artifacts: ArtifactStore): Pick<Handlers, 'pose'> {
  const ref = (a: { row: ArtifactRow; contentType: string }) => artifactRef(artifacts, a);
  return {
    async pose({ body, files, principal, signal, ctx }) {
      const video = files.find((f) => f.field === 'video');
      const intrinsics =
        body.fx !== undefined && body.fy !== undefined && body.cx !== undefined && body.cy !== undefined
          ? { fx: body.fx, fy: body.fy, cx: body.cx, cy: body.cy }
          : body.focal_px !== undefined
            ? { focalPx: body.focal_px }
            : undefined;
      const ownerKeyId = principal?.kind === 'api_key' ? principal.keyId : null;
      // Large inputs become a job: more photos, or more frames asked for, than one request computes.
      const images = video ? 0 : files.filter((f) => f.field === 'images').length;
      if (body.max_frames > POSE_MAX_FRAMES || images > POSE_MAX_FRAMES) {
        const row = await jobs.submit({
          files,
          fps: body.fps,
          maxFrames: body.max_frames,
          intrinsics,
          outputs: body.outputs,
          webhookUrl: body.webhook_url,
          ownerKeyId,
        });
        ctx.set('Location', `/v1/jobs/${row.id}`);
        return new Accepted(jobView(row));
      }
      const r = await pose.estimate({
        input: video
          ? { kind: 'video', data: video.data }
          : { kind: 'images', images: files.map((f) => ({ data: f.data, name: f.filename })) },
        fps: body.fps,
        maxFrames: body.max_frames,
        intrinsics,
        outputs: body.outputs,
        ownerKeyId,
        signal,
        transfer: true, // the uploads are this request's own buffers
      });
      return poseView(r, ref);
    },
  };
}
