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
  /**
   * Start each point where its last frame-to-frame motion predicts (a new point: the median motion
   * of the others), tracking through at most `priorMaxLevel` pyramid levels, and retry the points
   * that fail or land far from the prediction from their old position through all `lk.maxLevel`
   * levels (default true). Video moves smoothly, so the prediction is usually within a few pixels
   * and the coarse levels — there to find large motions — are mostly wasted work.
   */
  motionPrior: boolean;
  /** Coarsest level of the first, predicted pass (default 2; the prior is used only when this is
   * below `lk.maxLevel`). On the pose benchmark's video (test/engines/features/tracker.bench.ts)
   * 1, 2 and 3 all track as accurately as the full pyramid; 2 leaves a margin for shakier video. */
  priorMaxLevel: number;
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
  /** Last frame-to-frame motion of each live point, px (NaN: not tracked yet). */
  private vel: Float32Array;
  private guess: Float32Array;
  private retryIdx: Int32Array;
  private retryXY: Float32Array;
  private retryOut: Float32Array;
  private retryStatus: Uint8Array;
  private retryErr: Float32Array;
  private motionX: Float32Array;
  private motionY: Float32Array;
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
    this.options = {
      maxCorners: 500,
      corners: {},
      lk: {},
      replenish: true,
      motionPrior: true,
      priorMaxLevel: 2,
      ...options,
    };
    const m = this.options.maxCorners;
    if (!(Number.isInteger(m) && m > 0)) throw new RangeError(`maxCorners must be a positive integer, got ${m}`);
    this.ids = new Int32Array(m);
    this.xy = new Float32Array(2 * m);
    this.trackedXY = new Float32Array(2 * m);
    this.status = new Uint8Array(m);
    this.err = new Float32Array(m);
    this.fresh = new Float32Array(2 * m);
    this.vel = new Float32Array(2 * m);
    this.guess = new Float32Array(2 * m);
    this.retryIdx = new Int32Array(m);
    this.retryXY = new Float32Array(2 * m);
    this.retryOut = new Float32Array(2 * m);
    this.retryStatus = new Uint8Array(m);
    this.retryErr = new Float32Array(m);
    this.motionX = new Float32Array(m);
    this.motionY = new Float32Array(m);
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
      const maxLevel = lk.maxLevel ?? 3;
      if (o.motionPrior && o.priorMaxLevel < maxLevel) this.trackPredicted(n, maxLevel);
      else trackLK(this.trackedXY, this.status, this.err, this.prev, this.next, this.xy, n, lk);
      let k = 0;
      for (let i = 0; i < n; i++) {
        if (this.status[i] !== TRACK_OK) continue;
        this.ids[k] = this.ids[i]!;
        this.vel[2 * k] = this.trackedXY[2 * i]! - this.xy[2 * i]!;
        this.vel[2 * k + 1] = this.trackedXY[2 * i + 1]! - this.xy[2 * i + 1]!;
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
        this.vel[2 * k] = Number.NaN;
        this.vel[2 * k + 1] = Number.NaN;
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

  /**
   * Tracks the n live points from their predicted positions through the first `priorMaxLevel`
   * levels, then the ones that failed or ended far from the prediction (over half the reach of
   * those levels, ½·(winSize/2)·2^priorMaxLevel px) again from where they were through all
   * `maxLevel` levels. Writes trackedXY, status, err as one trackLK call would.
   */
  private trackPredicted(n: number, maxLevel: number): void {
    const o = this.options;
    // Points without a motion yet move like the median of the others (the camera's motion).
    let m = 0;
    for (let i = 0; i < n; i++) {
      const vx = this.vel[2 * i]!;
      if (vx === vx) {
        this.motionX[m] = vx;
        this.motionY[m++] = this.vel[2 * i + 1]!;
      }
    }
    // No motion known yet (the second frame): nothing to predict from.
    if (m === 0) {
      trackLK(this.trackedXY, this.status, this.err, this.prev, this.next, this.xy, n, o.lk);
      return;
    }
    const mx = median(this.motionX, m);
    const my = median(this.motionY, m);
    for (let i = 0; i < n; i++) {
      const vx = this.vel[2 * i]!;
      const known = vx === vx;
      this.guess[2 * i] = this.xy[2 * i]! + (known ? vx : mx);
      this.guess[2 * i + 1] = this.xy[2 * i + 1]! + (known ? this.vel[2 * i + 1]! : my);
    }
    const top = Math.max(0, Math.min(maxLevel, o.priorMaxLevel));
    trackLK(
      this.trackedXY,
      this.status,
      this.err,
      this.prev,
      this.next,
      this.xy,
      n,
      { ...o.lk, maxLevel: top },
      this.guess,
    );
    // A result far from its prediction means the prediction was poor, and a few levels started
    // there can settle on a look-alike that the forward–backward check (which starts the way back
    // at the true start) cannot tell: such points are tracked again from scratch too.
    const surprise = ((o.lk.winSize ?? 21) >> 1) * (1 << top) * 0.5;
    const surprise2 = surprise * surprise;
    let r = 0;
    for (let i = 0; i < n; i++) {
      const ex = this.trackedXY[2 * i]! - this.guess[2 * i]!;
      const ey = this.trackedXY[2 * i + 1]! - this.guess[2 * i + 1]!;
      if (this.status[i] === TRACK_OK && ex * ex + ey * ey <= surprise2) continue;
      this.retryIdx[r] = i;
      this.retryXY[2 * r] = this.xy[2 * i]!;
      this.retryXY[2 * r + 1] = this.xy[2 * i + 1]!;
      r++;
    }
    if (r === 0) return;
    trackLK(this.retryOut, this.retryStatus, this.retryErr, this.prev, this.next, this.retryXY, r, o.lk);
    for (let j = 0; j < r; j++) {
      const i = this.retryIdx[j]!;
      this.trackedXY[2 * i] = this.retryOut[2 * j]!;
      this.trackedXY[2 * i + 1] = this.retryOut[2 * j + 1]!;
      this.status[i] = this.retryStatus[j]!;
      this.err[i] = this.retryErr[j]!;
    }
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

/** Median of a[0 … n) (n ≥ 1); reorders a. O(n) expected (quickselect). */
function median(a: Float32Array, n: number): number {
  let lo = 0;
  let hi = n - 1;
  const k = n >> 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}
