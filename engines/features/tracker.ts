import { detectCorners, type CornerOptions } from './corners.js';
import type { GrayImage } from './gray.js';
import { TRACK_OK, trackLK, type LKOptions } from './lk.js';
import { buildPyramid, createPyramid, type ImagePyramid } from './pyramid.js';

/** Options of {@link Tracker}; every field has a default. */
export interface TrackerOptions {
  /** Target number of live tracks (default 500). */
  maxCorners: number;
  /** Corner detection (minDistancePx, qualityLevel, grid…); maxCorners comes from above. */
  corners: Partial<Omit<CornerOptions, 'maxCorners' | 'existingXY' | 'existingCount' | 'onlyEmptyCells'>>;
  /** Lucas–Kanade options (window, levels, forward–backward threshold…). */
  lk: Partial<LKOptions>;
  /** Detect new corners in grid cells left empty (default true). */
  replenish: boolean;
}

/**
 * Feature tracks as packed observations, the input of structure from motion: observation k is
 * track `trackId[k]` seen in frame `frameIndex[k]` at (`xy[2k]`, `xy[2k+1]`) px (pixel centres at
 * +0.5). Observations are ordered by frame, then by track id. Track ids start at 0 and never repeat.
 */
export interface Tracks {
  count: number;
  trackId: Int32Array;
  frameIndex: Int32Array;
  xy: Float32Array;
  /** Number of track ids handed out (ids are 0 … trackCount − 1). */
  trackCount: number;
}

/**
 * Follows corners across a frame sequence with pyramidal Lucas–Kanade and a forward–backward check,
 * and tops up corners in grid cells that emptied. Keeps two pyramids and all buffers between
 * frames; observations grow by doubling. Not re-entrant (shares module scratch with the kernels).
 */
export class Tracker {
  readonly options: TrackerOptions;
  private prev: ImagePyramid = createPyramid();
  private next: ImagePyramid = createPyramid();
  private ids: Int32Array;
  private xy: Float32Array;
  private live = 0;
  private trackedXY: Float32Array;
  private status: Uint8Array;
  private err: Float32Array;
  private fresh: Float32Array;
  private nextId = 0;
  private frames = 0;
  private obsCount = 0;
  private obsId = new Int32Array(1024);
  private obsFrame = new Int32Array(1024);
  private obsXY = new Float32Array(2048);
  /** Points carried over from the previous frame by the last push. */
  lastTracked = 0;
  /** Points lost by the last push (outside, flat, forward–backward mismatch). */
  lastLost = 0;
  /** New corners added by the last push. */
  lastAdded = 0;

  constructor(options: Partial<TrackerOptions> = {}) {
    this.options = { maxCorners: 500, corners: {}, lk: {}, replenish: true, ...options };
    const m = this.options.maxCorners;
    if (!(Number.isInteger(m) && m > 0)) throw new RangeError(`maxCorners must be a positive integer, got ${m}`);
    this.ids = new Int32Array(m);
    this.xy = new Float32Array(2 * m);
    this.trackedXY = new Float32Array(2 * m);
    this.status = new Uint8Array(m);
    this.err = new Float32Array(m);
    this.fresh = new Float32Array(2 * m);
  }

  /** Frames pushed so far. */
  get frameCount(): number {
    return this.frames;
  }

  /** Live track ids after the last push, ascending (a view, valid until the next push). */
  get liveIds(): Int32Array {
    return this.ids.subarray(0, this.live);
  }

  /** Live track positions after the last push, packed xy (a view, valid until the next push). */
  get liveXY(): Float32Array {
    return this.xy.subarray(0, 2 * this.live);
  }

  /**
   * Adds the next frame (grey, the same size every time): tracks the live points into it, drops
   * lost ones, replenishes empty grid cells and records an observation per live point. Returns
   * the frame's index. Allocates only on the first frame and when observations outgrow their
   * arrays; O(w·h) for the pyramid and detection plus O(points · levels · iterations · winSize²).
   */
  push(gray: GrayImage): number {
    const o = this.options;
    const lk = o.lk;
    const frame = this.frames;
    const p0 = this.prev.levels[0];
    if (frame > 0 && p0 && (p0.width !== gray.width || p0.height !== gray.height))
      throw new RangeError(`frame ${frame} is ${gray.width}×${gray.height}, earlier ones ${p0.width}×${p0.height}`);
    buildPyramid(this.next, gray, lk.maxLevel ?? 3);
    this.lastTracked = 0;
    this.lastLost = 0;
    this.lastAdded = 0;
    if (frame > 0 && this.live > 0) {
      const n = this.live;
      trackLK(this.trackedXY, this.status, this.err, this.prev, this.next, this.xy, n, lk);
      let k = 0;
      for (let i = 0; i < n; i++) {
        if (this.status[i] !== TRACK_OK) continue;
        this.ids[k] = this.ids[i]!;
        this.xy[2 * k] = this.trackedXY[2 * i]!;
        this.xy[2 * k + 1] = this.trackedXY[2 * i + 1]!;
        k++;
      }
      this.live = k;
      this.lastTracked = k;
      this.lastLost = n - k;
    }
    const room = o.maxCorners - this.live;
    if (room > 0 && (frame === 0 || o.replenish)) {
      const c = o.corners;
      const cells = (c.gridCols ?? 8) * (c.gridRows ?? 6);
      const added = detectCorners(this.fresh, this.next.levels[0]!, {
        ...c,
        maxCorners: room,
        maxPerCell: c.maxPerCell ?? Math.ceil(o.maxCorners / cells),
        borderPx: c.borderPx ?? (lk.winSize ?? 21) >> 1,
        existingXY: this.xy,
        existingCount: this.live,
        onlyEmptyCells: frame > 0,
      });
      for (let i = 0; i < added; i++) {
        const k = this.live++;
        this.ids[k] = this.nextId++;
        this.xy[2 * k] = this.fresh[2 * i]!;
        this.xy[2 * k + 1] = this.fresh[2 * i + 1]!;
      }
      this.lastAdded = added;
    }
    this.record(frame);
    const t = this.prev;
    this.prev = this.next;
    this.next = t;
    this.frames++;
    return frame;
  }

  private record(frame: number): void {
    const need = this.obsCount + this.live;
    if (need > this.obsId.length) {
      let cap = this.obsId.length;
      while (cap < need) cap *= 2;
      const id = new Int32Array(cap);
      const fr = new Int32Array(cap);
      const xy = new Float32Array(2 * cap);
      id.set(this.obsId.subarray(0, this.obsCount));
      fr.set(this.obsFrame.subarray(0, this.obsCount));
      xy.set(this.obsXY.subarray(0, 2 * this.obsCount));
      this.obsId = id;
      this.obsFrame = fr;
      this.obsXY = xy;
    }
    this.obsId.set(this.ids.subarray(0, this.live), this.obsCount);
    this.obsFrame.fill(frame, this.obsCount, need);
    this.obsXY.set(this.xy.subarray(0, 2 * this.live), 2 * this.obsCount);
    this.obsCount = need;
  }

  /** All observations so far (views into the tracker's arrays, valid until the next push). */
  tracks(): Tracks {
    return {
      count: this.obsCount,
      trackId: this.obsId.subarray(0, this.obsCount),
      frameIndex: this.obsFrame.subarray(0, this.obsCount),
      xy: this.obsXY.subarray(0, 2 * this.obsCount),
      trackCount: this.nextId,
    };
  }
}
