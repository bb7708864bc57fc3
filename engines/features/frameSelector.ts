/** What {@link FrameSelector.consider} decided for a frame. */
export type FrameDecision = 'keyframe' | 'blurred' | 'redundant';

/** Options of {@link FrameSelector}; every field has a default. */
export interface FrameSelectorOptions {
  /** A frame is blurred when its sharpness < blurRatio × the running median (default 0.5). */
  blurRatio: number;
  /** Frames in the running sharpness median (default 15). */
  historySize: number;
  /** Frames needed before the blur rule applies (default 3). */
  minHistory: number;
  /** Median displacement of common tracks since the last keyframe needed for a new one, px (default 15). */
  minParallaxPx: number;
  /** Fewer common tracks than this with the last keyframe and the frame is kept anyway, so the
   * sequence does not break where tracking lost the scene (default 20). */
  minCommonTracks: number;
}

const DEFAULTS: FrameSelectorOptions = {
  blurRatio: 0.5,
  historySize: 15,
  minHistory: 3,
  minParallaxPx: 15,
  minCommonTracks: 20,
};

/**
 * Chooses keyframes from a video as it streams: drops blurred frames (sharpness well below the
 * running median of recent frames) and redundant ones (median track displacement since the last
 * keyframe below `minParallaxPx`), keeping a frame once enough parallax has accumulated. Feed it
 * every frame in order, with the tracker's live ids (ascending) and positions. Holds the last
 * keyframe's tracks; allocates only when more points arrive than before.
 */
export class FrameSelector {
  readonly options: FrameSelectorOptions;
  private history: Float64Array;
  private historyLen = 0;
  private historyPos = 0;
  private sortBuf: Float64Array;
  private keyIds = new Int32Array(0);
  private keyXY = new Float32Array(0);
  private keyCount = -1;
  private disp = new Float32Array(0);
  private frame = 0;
  /** Frame indices (0-based, in the order fed) of the keyframes so far. */
  readonly keyframes: number[] = [];
  /** Median displacement (px) of the last frame considered against the last keyframe (NaN if none). */
  lastParallaxPx = Number.NaN;
  /** Running median sharpness before the last frame was added (NaN while history is short). */
  lastMedianSharpness = Number.NaN;

  constructor(options: Partial<FrameSelectorOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.history = new Float64Array(Math.max(1, this.options.historySize));
    this.sortBuf = new Float64Array(this.history.length);
  }

  /**
   * Decides for the next frame given its sharpness (e.g. laplacianVariance) and its live tracks:
   * `ids` ascending (as Tracker.liveIds), `xy` packed positions, px. Returns the decision and, for
   * a keyframe, remembers its tracks. O(history log history + count + common log common).
   */
  consider(sharpness: number, ids: Int32Array, xy: Float32Array, count = ids.length): FrameDecision {
    const o = this.options;
    const frame = this.frame++;
    this.lastParallaxPx = Number.NaN;
    const med = this.medianSharpness();
    this.lastMedianSharpness = med;
    this.pushSharpness(sharpness);
    if (this.historyLen > o.minHistory && sharpness < o.blurRatio * med) return 'blurred';

    if (this.keyCount >= 0) {
      const common = this.commonDisplacements(ids, xy, count);
      if (common >= o.minCommonTracks) {
        const d = this.disp.subarray(0, common).sort();
        const par = common % 2 ? d[common >> 1]! : 0.5 * (d[common / 2 - 1]! + d[common / 2]!);
        this.lastParallaxPx = par;
        if (par < o.minParallaxPx) return 'redundant';
      }
    }
    this.remember(ids, xy, count);
    this.keyframes.push(frame);
    return 'keyframe';
  }

  private medianSharpness(): number {
    const n = this.historyLen;
    if (n === 0) return Number.NaN;
    const s = this.sortBuf.subarray(0, n);
    s.set(this.history.subarray(0, n));
    s.sort();
    return n % 2 ? s[n >> 1]! : 0.5 * (s[n / 2 - 1]! + s[n / 2]!);
  }

  private pushSharpness(v: number): void {
    this.history[this.historyPos] = v;
    this.historyPos = (this.historyPos + 1) % this.history.length;
    if (this.historyLen < this.history.length) this.historyLen++;
  }

  /** Merge-joins the ascending ids with the keyframe's, writing displacements; returns how many. */
  private commonDisplacements(ids: Int32Array, xy: Float32Array, count: number): number {
    if (this.disp.length < count) this.disp = new Float32Array(count);
    let i = 0;
    let j = 0;
    let m = 0;
    const kc = this.keyCount;
    while (i < count && j < kc) {
      const a = ids[i]!;
      const b = this.keyIds[j]!;
      if (i > 0 && a <= ids[i - 1]!) throw new RangeError('FrameSelector: ids must be ascending');
      if (a < b) i++;
      else if (a > b) j++;
      else {
        const dx = xy[2 * i]! - this.keyXY[2 * j]!;
        const dy = xy[2 * i + 1]! - this.keyXY[2 * j + 1]!;
        this.disp[m++] = Math.sqrt(dx * dx + dy * dy);
        i++;
        j++;
      }
    }
    return m;
  }

  private remember(ids: Int32Array, xy: Float32Array, count: number): void {
    if (this.keyIds.length < count) {
      this.keyIds = new Int32Array(count);
      this.keyXY = new Float32Array(2 * count);
    }
    this.keyIds.set(ids.subarray(0, count));
    this.keyXY.set(xy.subarray(0, 2 * count));
    this.keyCount = count;
  }
}
