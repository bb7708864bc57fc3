import type { z } from 'zod';
import type { DepthResultSchema } from '../../../../main/common/api/depthContract.js';
import { getFile, percentiles, putCloud, putDepthMap, release } from '../../app/binaries.js';
import { api, fetchArtifact } from '../../app/connection.js';
import { toUiError, type UiError } from '../../app/errors.js';
import type { PhotoRef } from '../../app/photo.js';
import type { AppSlice } from '../../app/store.js';

export type DepthResult = z.output<typeof DepthResultSchema>;
type Load = 'idle' | 'loading' | 'ready' | 'error';

export interface DepthState {
  photo: PhotoRef | null;
  /** Optional focal length in pixels, as typed. */
  focalPx: string;
  status: 'idle' | 'running' | 'done' | 'error';
  result: DepthResult | null;
  error: UiError | null;
  view: 'side' | 'slider';
  /** The full-resolution map (binaries, keyed by `mapId`) and the preview's colour range. */
  map: { status: Load; id: string | null; lo: number | null; hi: number | null; error: string | null };
  /** The point cloud on show (binaries, keyed by `id`): from the depth result or an opened PLY. */
  cloud: { status: Load; id: string | null; name: string | null; points: number; error: string | null };
  /** Bumped to put the 3-D camera back where it started. */
  viewReset: number;
}

export interface DepthSlice {
  depth: DepthState;
  openDepthPhoto(photo: PhotoRef): void;
  runDepth(): Promise<void>;
  setFocalPx(text: string): void;
  setDepthView(view: DepthState['view']): void;
  resetCloudView(): void;
  openCloudFile(file: File): Promise<void>;
}

const initial: DepthState = {
  photo: null,
  focalPx: '',
  status: 'idle',
  result: null,
  error: null,
  view: 'side',
  map: { status: 'idle', id: null, lo: null, hi: null, error: null },
  cloud: { status: 'idle', id: null, name: null, points: 0, error: null },
  viewReset: 0,
};

// three.js (PLY parsing, the 3-D view) loads with the first point cloud, not with the app.
const loadPly = () => import('./ply.js');

let runSeq = 0;
let abort: AbortController | null = null;

export const depthSlice: AppSlice<DepthSlice> = (set, get) => {
  const patch = (p: Partial<DepthState>) => set((s) => ({ depth: { ...s.depth, ...p } }));

  async function loadMap(result: DepthResult, seq: number) {
    const art = result.artifacts.npy;
    if (!art) return patch({ map: { ...initial.map, error: 'no NPY in this result' } });
    patch({ map: { ...initial.map, status: 'loading' } });
    try {
      const map = putDepthMap(art.id, await fetchArtifact(art.url));
      const range = percentiles(map, 2, 98);
      if (seq !== runSeq) return release([art.id]);
      patch({ map: { status: 'ready', id: art.id, lo: range?.lo ?? null, hi: range?.hi ?? null, error: null } });
    } catch (err) {
      if (seq === runSeq) patch({ map: { ...initial.map, status: 'error', error: (err as Error).message } });
    }
  }

  async function loadCloud(result: DepthResult, name: string, seq: number) {
    const art = result.artifacts.ply;
    if (!art) return;
    patch({ cloud: { ...initial.cloud, status: 'loading', name } });
    try {
      const [bytes, { parsePly }] = await Promise.all([fetchArtifact(art.url), loadPly()]);
      const geometry = parsePly(bytes);
      if (seq !== runSeq) return geometry.dispose();
      putCloud(art.id, geometry);
      patch({
        cloud: { status: 'ready', id: art.id, name, points: geometry.getAttribute('position').count, error: null },
      });
    } catch (err) {
      if (seq === runSeq) patch({ cloud: { ...initial.cloud, status: 'error', name, error: (err as Error).message } });
    }
  }

  return {
    depth: initial,

    openDepthPhoto(photo) {
      const old = get().depth;
      if (old.photo) {
        URL.revokeObjectURL(old.photo.url);
        release([old.photo.fileId]);
      }
      release([old.map.id, old.cloud.id]);
      patch({ photo, status: 'idle', result: null, error: null, map: initial.map, cloud: initial.cloud });
      void get().runDepth();
    },

    async runDepth() {
      const { photo, focalPx } = get().depth;
      const file = photo && getFile(photo.fileId);
      if (!photo || !file) return;
      abort?.abort();
      abort = new AbortController();
      const seq = ++runSeq;
      const old = get().depth;
      release([old.map.id, old.cloud.id]);
      patch({ status: 'running', error: null, result: null, map: initial.map, cloud: initial.cloud });
      const form = new FormData();
      form.append('image', file, file.name);
      if (focalPx.trim()) form.append('focal_px', focalPx.trim());
      try {
        const result = await api().call('depth', { body: { multipart: form }, signal: abort.signal });
        if (seq !== runSeq) return;
        patch({ status: 'done', result });
        void loadMap(result, seq);
        void loadCloud(result, photo.name, seq);
      } catch (err) {
        if (seq !== runSeq || (err as Error).name === 'AbortError') return;
        patch({ status: 'error', error: toUiError(err) });
      }
    },

    setFocalPx(focalPx) {
      patch({ focalPx });
    },
    setDepthView(view) {
      patch({ view });
    },
    resetCloudView() {
      patch({ viewReset: get().depth.viewReset + 1 });
    },

    async openCloudFile(file) {
      const seq = ++runSeq;
      abort?.abort();
      release([get().depth.cloud.id]);
      patch({ cloud: { ...initial.cloud, status: 'loading', name: file.name } });
      try {
        const [bytes, { parsePly }] = await Promise.all([file.arrayBuffer(), loadPly()]);
        const geometry = parsePly(bytes);
        if (seq !== runSeq) return geometry.dispose();
        const id = `ply-${seq}`;
        putCloud(id, geometry);
        patch({
          cloud: { status: 'ready', id, name: file.name, points: geometry.getAttribute('position').count, error: null },
        });
      } catch (err) {
        patch({
          cloud: {
            ...initial.cloud,
            status: 'error',
            name: file.name,
            error: `${file.name} is not a readable PLY point cloud (${(err as Error).message}).`,
          },
        });
      }
    },
  };
};
