import type { z } from 'zod';
import type { JobView } from '../../../../main/common/api/jobsContract.js';
import type { PoseResultSchema } from '../../../../main/common/api/poseContract.js';
import { getFile, putFile, release } from '../../app/binaries.js';
import { api, fetchArtifact } from '../../app/connection.js';
import { addSample, remainingMs, type ProgressSample } from '../../app/eta.js';
import { toUiError, type UiError } from '../../app/errors.js';
import { followJob, isFinal } from '../../app/follow.js';
import type { AppSlice } from '../../app/store.js';
import type { PosedCamera } from './cameraPath.js';
import {
  parseReconstructResult,
  reconstructAvailable,
  startReconstruct,
  type Preset,
  type ReconstructResult,
} from './reconstructApi.js';

/** Most frames a video gives to "camera poses only" (2 fps: 2½ minutes); the core runs it as a job. */
export const VIDEO_POSE_FRAMES = 300;

export type PoseResult = z.output<typeof PoseResultSchema>;
type Load = 'idle' | 'loading' | 'ready' | 'error';

export interface InputFile {
  fileId: string;
  name: string;
  bytes: number;
}

export interface ReconState {
  /** What the next run uploads: one video, or photos in order. */
  inputs: { kind: 'video' | 'images'; files: InputFile[] } | null;
  /** Whether this core serves POST /v1/reconstruct (null: not asked yet). */
  available: boolean | null;
  mode: 'reconstruct' | 'poses';
  preset: Preset;
  focalPx: string;
  phase: 'idle' | 'uploading' | 'running' | 'done' | 'error' | 'canceled';
  /** The reconstruction job, as last reported. */
  job: JobView | null;
  remaining: number | null;
  canceling: boolean;
  poseResult: PoseResult | null;
  reconResult: ReconstructResult | null;
  error: UiError | null;
  /** The 3-D scene (geometries in the binary registry under `${id}:points|mesh|cameras`). */
  scene: {
    status: Load;
    id: string | null;
    name: string | null;
    points: number;
    meshFaces: number;
    cameras: number;
    centre: [number, number, number];
    radius: number;
    error: string | null;
  };
  layers: { points: boolean; mesh: boolean; cameras: boolean };
  viewReset: number;
}

export interface ReconSlice {
  recon: ReconState;
  checkReconstruct(): Promise<void>;
  /** Adds dropped or picked files: a video replaces the inputs, photos add to a photo set. */
  addReconInputs(files: File[]): void;
  clearReconInputs(): void;
  setReconOption(p: Partial<Pick<ReconState, 'mode' | 'preset' | 'focalPx'>>): void;
  startRecon(): Promise<void>;
  cancelRecon(): Promise<void>;
  toggleLayer(layer: keyof ReconState['layers']): void;
  resetSceneView(): void;
  openSceneFile(file: File): Promise<void>;
  /** Shows a finished reconstruction job (e.g. picked in Jobs) in this workspace. */
  viewReconJob(job: JobView): Promise<void>;
}

const initialScene: ReconState['scene'] = {
  status: 'idle',
  id: null,
  name: null,
  points: 0,
  meshFaces: 0,
  cameras: 0,
  centre: [0, 0, 0],
  radius: 1,
  error: null,
};

const initial: ReconState = {
  inputs: null,
  available: null,
  mode: 'poses',
  preset: 'standard',
  focalPx: '',
  phase: 'idle',
  job: null,
  remaining: null,
  canceling: false,
  poseResult: null,
  reconResult: null,
  error: null,
  scene: initialScene,
  layers: { points: true, mesh: true, cameras: true },
  viewReset: 0,
};

const isVideo = (f: File) => f.type.startsWith('video/') || /\.(mp4|mov|m4v|webm|mkv|avi)$/i.test(f.name);

let runSeq = 0;
let abort: AbortController | null = null;
const samples: ProgressSample[] = [];

const sceneIds = (id: string | null) => (id ? [`${id}:points`, `${id}:mesh`, `${id}:cameras`] : []);

export const reconSlice: AppSlice<ReconSlice> = (set, get) => {
  const patch = (p: Partial<ReconState>) => set((s) => ({ recon: { ...s.recon, ...p } }));
  const r = () => get().recon;

  function dropScene() {
    release(sceneIds(r().scene.id));
    patch({ scene: initialScene });
  }

  async function loadScene(
    seq: number,
    name: string,
    parts: {
      points: string | null;
      mesh: string | null;
      cameras: readonly PosedCamera[];
      K: { fx: number; fy: number; cx: number; cy: number } | null;
      width: number;
      height: number;
    },
  ) {
    dropScene();
    const id = `scene-${seq}`;
    patch({ scene: { ...initialScene, status: 'loading', name } });
    try {
      const [pointsPly, meshPly, { buildScene }] = await Promise.all([
        parts.points ? fetchArtifact(parts.points) : null,
        parts.mesh ? fetchArtifact(parts.mesh) : null,
        import('./sceneGeometry.js'),
      ]);
      if (seq !== runSeq) return;
      const built = buildScene(id, { ...parts, pointsPly, meshPly });
      patch({ scene: { ...initialScene, status: 'ready', id, name, ...built } });
    } catch (err) {
      if (seq !== runSeq) return;
      release(sceneIds(id));
      patch({ scene: { ...initialScene, status: 'error', name, error: (err as Error).message } });
    }
  }

  async function showPose(seq: number, result: PoseResult, name: string) {
    patch({ phase: 'done', poseResult: result });
    await loadScene(seq, name, {
      points: result.artifacts.ply?.url ?? null,
      mesh: null,
      cameras: result.frames.map((f) => ({ camFromWorld: f.cam_from_world })),
      K: result.intrinsics,
      width: result.input.width,
      height: result.input.height,
    });
  }

  async function showRecon(seq: number, job: JobView, name: string) {
    let result: ReconstructResult;
    try {
      result = parseReconstructResult(job.result);
    } catch (err) {
      return patch({ phase: 'error', error: toUiError(err) });
    }
    patch({ phase: 'done', reconResult: result });
    await loadScene(seq, name, {
      points: result.artifacts.points_ply?.url ?? null,
      mesh: result.artifacts.mesh_ply?.url ?? null,
      cameras: result.cameras.map((c) => ({ camFromWorld: c.cam_from_world })),
      K: result.intrinsics,
      width: result.intrinsics.cx * 2,
      height: result.intrinsics.cy * 2,
    });
  }

  return {
    recon: initial,

    async checkReconstruct() {
      try {
        const available = await reconstructAvailable();
        // Reconstruction is the better default where the core has it.
        patch({ available, ...(available && r().available === null && { mode: 'reconstruct' as const }) });
      } catch {
        patch({ available: false });
      }
    },

    addReconInputs(files) {
      const video = files.find(isVideo);
      const old = r().inputs;
      const keep = !video && old?.kind === 'images' ? old.files : [];
      if (old && !keep.length) release(old.files.map((f) => f.fileId));
      const add = video ? [video] : files;
      patch({
        inputs: {
          kind: video ? 'video' : 'images',
          files: [...keep, ...add.map((f) => ({ fileId: putFile(f), name: f.name, bytes: f.size }))],
        },
        error: null,
      });
    },

    clearReconInputs() {
      const old = r().inputs;
      if (old) release(old.files.map((f) => f.fileId));
      patch({ inputs: null, error: null });
    },

    setReconOption(p) {
      patch(p);
    },

    async startRecon() {
      const { inputs, mode, preset, focalPx, phase } = r();
      if (!inputs || phase === 'uploading' || phase === 'running') return;
      if (inputs.kind === 'images' && inputs.files.length < 2) {
        patch({
          phase: 'error',
          error: {
            message: 'One photo is not enough to find camera poses.',
            hint: 'Add at least one more photo of the same scene from a different position (or use a video).',
            code: null,
            requestId: null,
          },
        });
        return;
      }
      abort?.abort();
      abort = new AbortController();
      const signal = abort.signal;
      const seq = ++runSeq;
      samples.length = 0;
      dropScene();
      patch({ phase: 'uploading', job: null, remaining: null, error: null, poseResult: null, reconResult: null });
      const form = new FormData();
      for (const f of inputs.files) {
        const file = getFile(f.fileId);
        if (file) form.append(inputs.kind === 'video' ? 'video' : 'images', file, f.name);
      }
      if (focalPx.trim()) form.append('focal_px', focalPx.trim());
      // A video of more than 30 s (60 frames at 2 fps) would be refused as a synchronous request:
      // asking for up to 300 frames makes the core run it as a job, which this view follows anyway.
      if (mode === 'poses' && inputs.kind === 'video') form.append('max_frames', String(VIDEO_POSE_FRAMES));
      const name = inputs.kind === 'video' ? inputs.files[0]!.name : `${inputs.files.length} photos`;
      try {
        let queued: JobView;
        if (mode === 'poses') {
          patch({ phase: 'running' });
          const answer = await api().call('pose', { body: { multipart: form }, signal });
          if (!('status' in answer)) {
            if (seq === runSeq) await showPose(seq, answer, name);
            return;
          }
          queued = answer; // more than 60 frames: the core made it a pose.run job (202)
        } else {
          form.append('preset', preset);
          queued = await startReconstruct(form, signal);
        }
        if (seq !== runSeq) return;
        patch({ phase: 'running', job: queued });
        get().updateJob(queued);
        let final: JobView = queued;
        await followJob(
          queued.id,
          (job) => {
            if (seq !== runSeq) return;
            final = job;
            const now = Date.now();
            addSample(samples, now, job.progress);
            const started = job.started_at ? Date.parse(job.started_at) : null;
            patch({ job, remaining: job.status === 'running' ? remainingMs(samples, now, started) : null });
            get().updateJob(job);
          },
          signal,
        );
        if (seq !== runSeq || !isFinal(final)) return;
        if (final.status === 'succeeded') {
          if (final.type === 'pose.run') await showPose(seq, final.result as PoseResult, name);
          else await showRecon(seq, final, name);
        } else if (final.status === 'canceled') patch({ phase: 'canceled' });
        else
          patch({
            phase: 'error',
            error: {
              message: final.error?.message ?? 'The reconstruction failed.',
              hint: failureHint(final.error?.code ?? null, final.stage),
              code: final.error?.code ?? null,
              requestId: null,
            },
          });
      } catch (err) {
        if (seq !== runSeq) return;
        if ((err as Error).name === 'AbortError') return patch({ phase: 'canceled' });
        patch({ phase: 'error', error: toUiError(err, UPLOAD_HINTS) });
      } finally {
        if (seq === runSeq) patch({ canceling: false });
      }
    },

    async cancelRecon() {
      const { job, phase, mode } = r();
      if (phase !== 'uploading' && phase !== 'running') return;
      if (mode === 'poses' || !job) {
        // A synchronous request (or an upload not yet answered): closing it stops the work.
        abort?.abort();
        patch({ phase: 'canceled' });
        return;
      }
      patch({ canceling: true });
      try {
        const after = await api().call('cancelJob', { params: { id: job.id } });
        patch({ job: after });
        get().updateJob(after);
        // followJob sees the final `canceled` event and ends the run.
      } catch (err) {
        patch({ canceling: false, error: toUiError(err) });
      }
    },

    toggleLayer(layer) {
      patch({ layers: { ...r().layers, [layer]: !r().layers[layer] } });
    },

    resetSceneView() {
      patch({ viewReset: r().viewReset + 1 });
    },

    async viewReconJob(job) {
      const seq = ++runSeq;
      abort?.abort();
      samples.length = 0;
      patch({
        job,
        phase: 'done',
        mode: 'reconstruct',
        remaining: null,
        error: null,
        poseResult: null,
        reconResult: null,
      });
      await showRecon(seq, job, `job ${job.id}`);
    },

    async openSceneFile(file) {
      const seq = ++runSeq;
      abort?.abort();
      dropScene();
      const id = `scene-${seq}`;
      patch({
        scene: { ...initialScene, status: 'loading', name: file.name },
        phase: 'idle',
        poseResult: null,
        reconResult: null,
        job: null,
        error: null,
      });
      try {
        const [bytes, { buildScene }] = await Promise.all([file.arrayBuffer(), import('./sceneGeometry.js')]);
        if (seq !== runSeq) return;
        const faces = /element face [1-9]/.test(new TextDecoder().decode(bytes.slice(0, 2048)));
        const built = buildScene(id, {
          pointsPly: faces ? null : bytes,
          meshPly: faces ? bytes : null,
          cameras: [],
          K: null,
          width: 0,
          height: 0,
        });
        patch({ scene: { ...initialScene, status: 'ready', id, name: file.name, ...built } });
      } catch (err) {
        if (seq !== runSeq) return;
        release(sceneIds(id));
        patch({
          scene: {
            ...initialScene,
            status: 'error',
            name: file.name,
            error: `${file.name} is not a readable PLY (${(err as Error).message}).`,
          },
        });
      }
    },
  };
};

/** What to do when the core refuses the upload, in terms of videos and photo sets. */
const UPLOAD_HINTS: Record<string, string> = {
  unsupported_media_type:
    'Use photos (JPEG, PNG, WebP, TIFF, AVIF — convert HEIC to JPEG) or one video ffmpeg reads (MP4 or MOV with H.264 is safest).',
  bad_request: 'A file could not be read: check that none is truncated, and that the photos show one scene.',
  payload_too_large: `Use a shorter video (camera poses sample it at 2 frames a second, at most ${VIDEO_POSE_FRAMES} frames) or fewer photos, under 256 MiB in all.`,
  validation_failed: 'Check the focal length: it must be a positive number of pixels, or empty.',
};

function failureHint(code: string | null, stage: string | null): string | null {
  if (code === 'model_not_installed') return 'Install a depth model in Models, then start again.';
  if (stage === 'poses')
    return 'The camera could not be tracked: film slowly, move sideways as well as turning, and keep textured surfaces in view.';
  if (stage === 'frames') return 'The video could not be read: try an MP4 (H.264) or MOV file.';
  return null;
}
