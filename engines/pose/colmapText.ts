/**
 * COLMAP's text model format (cameras.txt, images.txt, points3D.txt), which `colmap
 * model_converter`, COLMAP's GUI, OpenMVS, nerfstudio and gaussian-splatting read.
 *
 * Conventions (COLMAP's own): an image's pose is camFromWorld, x_cam = R·x_world + t, with R as the
 * unit quaternion QW QX QY QZ; pixel coordinates put the centre of the top-left pixel at (0.5, 0.5)
 * — the same as ours (engines/core/camera.ts), so intrinsics and 2-D points are written unchanged.
 */

export interface ColmapCamera {
  /** 1-based id, referenced by images. */
  id: number;
  width: number;
  height: number;
  /** PINHOLE: fx fy cx cy. SIMPLE_RADIAL: f cx cy k (COLMAP's default for unknown cameras). */
  model: 'PINHOLE' | 'SIMPLE_PINHOLE' | 'SIMPLE_RADIAL';
  params: readonly number[];
}

export interface ColmapImage {
  id: number;
  cameraId: number;
  name: string;
  /** camFromWorld rotation, row-major 3×3. */
  R: ArrayLike<number>;
  /** camFromWorld translation, metres (or the model's unit). */
  t: ArrayLike<number>;
  /** Observed keypoints: packed x, y (pixels) with the 3-D point id each sees (−1: none). */
  points2d?: { xy: ArrayLike<number>; point3dIds: ArrayLike<number> };
}

export interface ColmapPoint {
  id: number;
  xyz: ArrayLike<number>;
  rgb: ArrayLike<number>;
  /** Mean reprojection error, pixels. */
  error: number;
  /** (image id, index of the keypoint in that image's points2d) per observation. */
  track: ArrayLike<number>;
}

/** Rotation matrix (row-major) → unit quaternion [w, x, y, z] with w ≥ 0 (Shepperd's method). */
export function quaternionFromRotation(R: ArrayLike<number>): [number, number, number, number] {
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = Array.from({ length: 9 }, (_, i) => R[i]!) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const tr = m00 + m11 + m22;
  let w: number, x: number, y: number, z: number;
  if (tr > 0) {
    const s = 2 * Math.sqrt(tr + 1);
    w = s / 4;
    x = (m21 - m12) / s;
    y = (m02 - m20) / s;
    z = (m10 - m01) / s;
  } else if (m00 > m11 && m00 > m22) {
    const s = 2 * Math.sqrt(1 + m00 - m11 - m22);
    w = (m21 - m12) / s;
    x = s / 4;
    y = (m01 + m10) / s;
    z = (m02 + m20) / s;
  } else if (m11 > m22) {
    const s = 2 * Math.sqrt(1 + m11 - m00 - m22);
    w = (m02 - m20) / s;
    x = (m01 + m10) / s;
    y = s / 4;
    z = (m12 + m21) / s;
  } else {
    const s = 2 * Math.sqrt(1 + m22 - m00 - m11);
    w = (m10 - m01) / s;
    x = (m02 + m20) / s;
    y = (m12 + m21) / s;
    z = s / 4;
  }
  const n = Math.hypot(w, x, y, z) * (w < 0 ? -1 : 1);
  return [w / n, x / n, y / n, z / n];
}

/** Row-major rotation from a unit quaternion [w, x, y, z] (COLMAP's order). Allocates 9 numbers. */
export function rotationFromQuaternion(w: number, x: number, y: number, z: number): number[] {
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - z * w),
    2 * (x * z + y * w),
    2 * (x * y + z * w),
    1 - 2 * (x * x + z * z),
    2 * (y * z - x * w),
    2 * (x * z - y * w),
    2 * (y * z + x * w),
    1 - 2 * (x * x + y * y),
  ];
}

const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(17).replace(/\.?0+(e|$)/, '$1'));

/**
 * The three files of a COLMAP text model as strings. Image names must have no whitespace (COLMAP
 * reads each as one token; RangeError otherwise).
 * Allocates the strings; O(cameras + observations + points).
 */
export function writeColmapText(model: {
  cameras: readonly ColmapCamera[];
  images: readonly ColmapImage[];
  points: readonly ColmapPoint[];
}): { 'cameras.txt': string; 'images.txt': string; 'points3D.txt': string } {
  const cams = [
    '# Camera list with one line of data per camera:',
    '#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]',
    `# Number of cameras: ${model.cameras.length}`,
    ...model.cameras.map((c) => [c.id, c.model, c.width, c.height, ...c.params.map(num)].join(' ')),
  ];
  let observations = 0;
  const imgs: string[] = [];
  for (const im of model.images) {
    // COLMAP (3.8) reads the name as one whitespace-delimited token.
    if (!/^\S+$/.test(im.name))
      throw new RangeError(`image name ${JSON.stringify(im.name)} is empty or has whitespace`);
    const q = quaternionFromRotation(im.R);
    imgs.push([im.id, ...q.map(num), num(im.t[0]!), num(im.t[1]!), num(im.t[2]!), im.cameraId, im.name].join(' '));
    const p = im.points2d;
    const parts: string[] = [];
    if (p) {
      for (let i = 0; i < p.point3dIds.length; i++)
        parts.push(`${num(p.xy[2 * i]!)} ${num(p.xy[2 * i + 1]!)} ${p.point3dIds[i]}`);
      observations += p.point3dIds.length;
    }
    imgs.push(parts.join(' '));
  }
  const pts = model.points.map((p) => {
    const track: string[] = [];
    for (let i = 0; i < p.track.length; i++) track.push(String(p.track[i]));
    return [
      p.id,
      num(p.xyz[0]!),
      num(p.xyz[1]!),
      num(p.xyz[2]!),
      p.rgb[0],
      p.rgb[1],
      p.rgb[2],
      num(p.error),
      ...track,
    ].join(' ');
  });
  const meanTrack = model.points.length
    ? model.points.reduce((s, p) => s + p.track.length / 2, 0) / model.points.length
    : 0;
  return {
    'cameras.txt': `${cams.join('\n')}\n`,
    'images.txt': `${[
      '# Image list with two lines of data per image:',
      '#   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME',
      '#   POINTS2D[] as (X, Y, POINT3D_ID)',
      `# Number of images: ${model.images.length}, mean observations per image: ${model.images.length ? observations / model.images.length : 0}`,
      ...imgs,
    ].join('\n')}\n`,
    'points3D.txt': `${[
      '# 3D point list with one line of data per point:',
      '#   POINT3D_ID, X, Y, Z, R, G, B, ERROR, TRACK[] as (IMAGE_ID, POINT2D_IDX)',
      `# Number of points: ${model.points.length}, mean track length: ${meanTrack}`,
      ...pts,
    ].join('\n')}\n`,
  };
}
