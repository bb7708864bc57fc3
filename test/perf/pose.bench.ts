// npm run bench:pose — our pose pipeline and COLMAP (Debian's build, CPU) on the same frames in the
// same run, side by side: time, registered frames, median relative-rotation error over all pairs,
// median camera-centre error after a similarity alignment to the ground truth.
// Frames: ../shared/data/middlebury-mview-templeRing (19 real views, exact K, R, t per view).
// Ours, two front ends into the same incremental SfM (engines/pose), focal refined from a 1.2 × width
// guess (COLMAP starts from the same guess without EXIF): Lucas–Kanade tracks, and oriented binary
// descriptors matched across all pairs (POSE_WINDOW=k: a sequential window of k instead) and
// verified by five-point RANSAC. POSE_SKIP_COLMAP=1 skips COLMAP while tuning.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import {
  createGray,
  detectAndDescribe,
  rgbToGray,
  Tracker,
  type GrayImage,
  type Keypoints,
} from '../../engines/features/index.js';
import {
  applySimilarity,
  createSimilarity,
  incrementalSfm,
  matchTracks,
  umeyamaAlignment,
} from '../../engines/pose/index.js';
import { SHARED_DATA } from '../helpers/rgbd.js';
import { colmapAvailable, runColmap, type PoseEstimate } from './pose/colmap.js';
import { poseAccuracy, readMiddleburyPar } from './pose/groundTruth.js';

const DIR = path.join(SHARED_DATA, 'middlebury-mview-templeRing');
if (!fs.existsSync(DIR)) {
  console.log(`skipped: ${DIR} is absent`);
  process.exit(0);
}
const files = fs
  .readdirSync(DIR)
  .filter((f) => /^templeR\d+\.png$/.test(f))
  .sort();
const gt = readMiddleburyPar(path.join(DIR, 'templeR_par.txt')).filter((g) => files.includes(g.name));

const align = (src: number[][], dst: number[][]) => {
  const s = createSimilarity();
  if (!umeyamaAlignment(s, Float64Array.from(src.flat()), Float64Array.from(dst.flat()))) return src;
  const out = new Float64Array(src.length * 3);
  applySimilarity(out, s, Float64Array.from(src.flat()));
  return src.map((_, i) => [out[3 * i]!, out[3 * i + 1]!, out[3 * i + 2]!]);
};

// Frames, decoded once for both of our pipelines (decoding is not timed).
const grays: GrayImage[] = [];
let width = 0;
let height = 0;
for (const f of files) {
  const { data, info } = await sharp(path.join(DIR, f)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  width = info.width;
  height = info.height;
  const g = createGray(width, height);
  rgbToGray(g.data, data, width, height, 3);
  grays.push(g);
}
const Kguess = { fx: 1.2 * width, fy: 1.2 * width, cx: width / 2, cy: height / 2 };
const line = (label: string, seconds: number, detail: string, acc: ReturnType<typeof poseAccuracy>, focal: number) =>
  `${label.padEnd(28)}${seconds.toFixed(1)} s (${detail})  registered ${acc.registered}/${acc.total}  ` +
  `rotation ${acc.medianRotErrDeg.toFixed(2)}°  centre ${(acc.medianCentreErr * 1000).toFixed(1)} mm  focal ${focal.toFixed(0)}`;

// Ours, LK tracks.
const t0 = performance.now();
const tracker = new Tracker({ maxCorners: 1500, lk: { winSize: 31, maxLevel: 4 } });
for (const g of grays) tracker.push(g);
const tr = tracker.tracks();
const t1 = performance.now();
const sfm = incrementalSfm(
  {
    frameCount: files.length,
    obsFrame: tr.frameIndex.slice(0, tr.count),
    obsTrack: tr.trackId.slice(0, tr.count),
    obsXY: Float64Array.from(tr.xy.subarray(0, 2 * tr.count)),
  },
  { K: Kguess, refineFocal: true, seed: 1 },
);
const t2 = performance.now();
const ours: PoseEstimate[] = files.flatMap((name, i) => {
  const c = sfm.cameras[i];
  return c ? [{ name, R: [...c.R], t: [...c.t] }] : [];
});
const oursAcc = poseAccuracy(gt, ours, align);

// Ours, descriptors: oriented binary descriptors on Shi–Tomasi corners, ratio + cross-checked
// matching of every pair (or a sequential window), each pair verified by a five-point RANSAC,
// union-find tracks → the same incremental SfM.
const d0 = performance.now();
const kps: Keypoints[] = grays.map((g) => detectAndDescribe(g, { corners: { maxCorners: 2000 } }));
const d1 = performance.now();
const matched = matchTracks(kps, Kguess, {
  exhaustive: process.env.POSE_WINDOW === undefined,
  window: Number(process.env.POSE_WINDOW ?? 8),
  seed: 1,
});
const d2 = performance.now();
const rawMatches = matched.report.matches;
const inlierMatches = matched.report.verifiedMatches;
const verified = { length: matched.report.verifiedPairs };
const pairList = { length: 2 * matched.report.pairs };
const dt = {
  ...matched.tracks,
  trackCount: matched.tracks.obsTrack.reduce((m: number, v: number) => Math.max(m, v + 1), 0),
  inconsistentCount: matched.report.inconsistentTracks,
};
const lens = new Int32Array(dt.trackCount);
for (let o = 0; o < dt.obsTrack.length; o++) lens[dt.obsTrack[o]!]!++;
lens.sort();
const d3 = performance.now();
const dsfm = incrementalSfm(dt, { K: Kguess, refineFocal: true, seed: 1 });
const d4 = performance.now();
const descAcc = poseAccuracy(
  gt,
  files.flatMap((name, i) => {
    const c = dsfm.cameras[i];
    return c ? [{ name, R: [...c.R], t: [...c.t] }] : [];
  }),
  align,
);
const descSeconds = (d4 - d0) / 1000;

// COLMAP.
let colmapLine = 'COLMAP: not installed (apt install colmap)';
let colmapSeconds = NaN;
if (colmapAvailable() && !process.env.POSE_SKIP_COLMAP) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-colmap-'));
  const images = path.join(work, 'images');
  fs.mkdirSync(images);
  for (const f of files) fs.copyFileSync(path.join(DIR, f), path.join(images, f));
  const c = runColmap(images, work, { matcher: 'exhaustive', cameraModel: 'SIMPLE_PINHOLE' });
  colmapSeconds = c.seconds.total;
  const acc = poseAccuracy(gt, c.poses, align);
  colmapLine =
    `COLMAP (exhaustive)  ${c.seconds.total.toFixed(1)} s (features ${c.seconds.features.toFixed(1)}, matching ${c.seconds.matching.toFixed(1)}, mapper ${c.seconds.mapper.toFixed(1)})  ` +
    `registered ${acc.registered}/${acc.total}  rotation ${acc.medianRotErrDeg.toFixed(2)}°  centre ${(acc.medianCentreErr * 1000).toFixed(1)} mm  focal ${c.focalPx?.toFixed(0)}`;
  fs.rmSync(work, { recursive: true, force: true });
}

const oursSeconds = (t2 - t0) / 1000;
console.log(
  `templeRing, ${files.length} views ${width}×${height}, true focal ${gt[0]?.K[0]} px; scene radius ${(oursAcc.sceneSize * 1000).toFixed(0)} mm`,
);
const s = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
console.log(line('ours (LK + SfM)', oursSeconds, `tracking ${s(t0, t1)}, SfM ${s(t1, t2)}`, oursAcc, sfm.K.fx));
console.log(
  line(
    'ours (descriptors + SfM)',
    descSeconds,
    `features ${s(d0, d1)}, matching ${s(d1, d2)}, tracks ${s(d2, d3)}, SfM ${s(d3, d4)}`,
    descAcc,
    dsfm.K.fx,
  ),
);
console.log(
  `  ${pairList.length / 2} pairs, ${rawMatches} matches, ${inlierMatches} verified in ${verified.length} pairs; ` +
    `${dt.trackCount} tracks (median length ${lens[lens.length >> 1] ?? 0}, ${dt.inconsistentCount} inconsistent dropped), ` +
    `${dsfm.points.length / 3} points, rms ${dsfm.rmsReprojectionPx.toFixed(2)} px`,
);
console.log(colmapLine);
if (Number.isFinite(colmapSeconds))
  console.log(
    `speed ratio COLMAP / ours: LK ${(colmapSeconds / oursSeconds).toFixed(2)}×, descriptors ${(colmapSeconds / descSeconds).toFixed(2)}×`,
  );
