// npm run bench:pose — our pose pipeline and COLMAP (Debian's build, CPU) on the same frames in the
// same run, side by side: time, registered frames, median relative-rotation error over all pairs,
// median camera-centre error after a similarity alignment to the ground truth.
// Frames: ../shared/data/middlebury-mview-templeRing (19 real views, exact K, R, t per view).
// Ours: Lucas–Kanade tracks (engines/features) → incremental SfM (engines/pose), focal refined
// from a 1.2 × width guess (COLMAP starts from the same guess without EXIF).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createGray, rgbToGray, Tracker } from '../../engines/features/index.js';
import { applySimilarity, createSimilarity, incrementalSfm, umeyamaAlignment } from '../../engines/pose/index.js';
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

// Ours.
const t0 = performance.now();
const tracker = new Tracker({ maxCorners: 1500, lk: { winSize: 31, maxLevel: 4 } });
let width = 0;
let height = 0;
for (const f of files) {
  const { data, info } = await sharp(path.join(DIR, f)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  width = info.width;
  height = info.height;
  const g = createGray(width, height);
  rgbToGray(g.data, data, width, height, 3);
  tracker.push(g);
}
const tr = tracker.tracks();
const t1 = performance.now();
const sfm = incrementalSfm(
  {
    frameCount: files.length,
    obsFrame: tr.frameIndex.slice(0, tr.count),
    obsTrack: tr.trackId.slice(0, tr.count),
    obsXY: Float64Array.from(tr.xy.subarray(0, 2 * tr.count)),
  },
  { K: { fx: 1.2 * width, fy: 1.2 * width, cx: width / 2, cy: height / 2 }, refineFocal: true, seed: 1 },
);
const t2 = performance.now();
const ours: PoseEstimate[] = files.flatMap((name, i) => {
  const c = sfm.cameras[i];
  return c ? [{ name, R: [...c.R], t: [...c.t] }] : [];
});
const oursAcc = poseAccuracy(gt, ours, align);

// COLMAP.
let colmapLine = 'COLMAP: not installed (apt install colmap)';
let colmapSeconds = NaN;
if (colmapAvailable()) {
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
console.log(
  `ours (LK + SfM)       ${oursSeconds.toFixed(1)} s (tracking ${((t1 - t0) / 1000).toFixed(1)}, SfM ${((t2 - t1) / 1000).toFixed(1)})  ` +
    `registered ${oursAcc.registered}/${oursAcc.total}  rotation ${oursAcc.medianRotErrDeg.toFixed(2)}°  centre ${(oursAcc.medianCentreErr * 1000).toFixed(1)} mm  focal ${sfm.K.fx.toFixed(0)}`,
);
console.log(colmapLine);
if (Number.isFinite(colmapSeconds))
  console.log(`speed ratio COLMAP / ours: ${(colmapSeconds / oursSeconds).toFixed(2)}×`);
