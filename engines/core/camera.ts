/**
 * Pinhole intrinsics: where a focal length comes from (explicit, EXIF, model, heuristic) and how it
 * follows the image through EXIF orientation and resizing.
 *
 * Pixel convention (COLMAP's, written down once): continuous image coordinates in pixels, origin at
 * the top-left *corner* of the top-left pixel, x right, y down; pixel (i, j) covers
 * [i, i+1) × [j, j+1) and its centre is (i + 0.5, j + 0.5). The image centre is therefore
 * (width / 2, height / 2), and resizing by (sx, sy) scales every intrinsic by the same factors.
 * `pixelFromCam`: u = fx · X/Z + cx, v = fy · Y/Z + cy, camera frame x right, y down, z forward
 * (OpenCV/COLMAP).
 */

/** Pinhole intrinsics in pixels; (cx, cy) in the coordinates above, of the *oriented* image. */
export interface Intrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

/** Where a focal length came from, reported back to the caller. */
export type IntrinsicsSource = 'explicit' | 'exif_35mm' | 'exif_focal_sensor' | 'model' | 'heuristic';

/**
 * The EXIF facts that bear on focal length, as the camera wrote them. They describe the *sensor*
 * (the stored, un-rotated image), not the image after EXIF orientation is applied.
 * Tags: FocalLength 0x920A, FocalLengthIn35mmFilm 0xA405, FocalPlaneX/YResolution 0xA20E/0xA20F
 * with FocalPlaneResolutionUnit 0xA210 (already converted here to pixels per millimetre),
 * PixelX/YDimension 0xA002/0xA003, Orientation 0x0112, Make 0x010F, Model 0x0110.
 */
export interface ExifFocalFacts {
  /** Lens focal length, millimetres (FocalLength). */
  focalLengthMm?: number;
  /** 35 mm-equivalent focal length, millimetres (FocalLengthIn35mmFilm); 0 in EXIF means unknown. */
  focalLength35mm?: number;
  /** Sensor pixels per millimetre along the stored image's x axis (FocalPlaneXResolution / unit). */
  focalPlaneXPxPerMm?: number;
  /** Sensor pixels per millimetre along the stored image's y axis (FocalPlaneYResolution / unit). */
  focalPlaneYPxPerMm?: number;
  /** Width in pixels of the image the focal-plane resolution refers to (PixelXDimension). */
  pixelXDimension?: number;
  /** Height in pixels of that image (PixelYDimension). */
  pixelYDimension?: number;
  /** EXIF orientation 1..8; 5–8 swap width and height. */
  orientation?: number;
  make?: string;
  model?: string;
}

/** Diagonal of a 36 × 24 mm frame, millimetres: the reference of "35 mm equivalent" focal lengths. */
export const FULL_FRAME_DIAGONAL_MM = Math.hypot(36, 24); // 43.2666…

/**
 * The heuristic focal length, as a 35 mm equivalent: 26 mm, the main ("wide") camera of nearly
 * every phone since about 2018 (iPhone XS–16: 26 mm; Pixel 3–9 and Galaxy S10–S24: 24–27 mm).
 * Photos without usable EXIF are overwhelmingly phone photos whose metadata was stripped, so this
 * is the likeliest single guess; it is a diagonal field of view of 79.5° (≈ 0.601 × diagonal px).
 * COLMAP's 1.2 × max(w, h) (a 45° horizontal FOV) suits SfM initialisation, where the focal is
 * refined afterwards; a one-shot depth estimate has no refinement, so the likelier prior wins.
 */
export const HEURISTIC_FOCAL_35MM = 26;

/**
 * Focal length in pixels from a 35 mm-equivalent focal length. The equivalence is defined on the
 * diagonal, so the result does not depend on orientation or aspect ratio:
 * focalPx = f35 · hypot(w, h) / 43.2666. O(1), no allocation.
 */
export function focalPxFrom35mm(focal35mm: number, widthPx: number, heightPx: number): number {
  return (focal35mm * Math.hypot(widthPx, heightPx)) / FULL_FRAME_DIAGONAL_MM;
}

/**
 * Focal length in pixels from the lens focal length and the physical width of the sensor area the
 * image covers: focalPx = focalMm / sensorWidthMm · widthPx. All three describe the same axis of
 * the same (stored) image. O(1), no allocation.
 */
export function focalPxFromSensor(focalMm: number, sensorWidthMm: number, widthPx: number): number {
  return (focalMm / sensorWidthMm) * widthPx;
}

/** The 35 mm-equivalent focal length (millimetres) that a focal of `focalPx` is on a w × h image. */
export function focal35mmFromPx(focalPx: number, widthPx: number, heightPx: number): number {
  return (focalPx * FULL_FRAME_DIAGONAL_MM) / Math.hypot(widthPx, heightPx);
}

/** The heuristic focal length in pixels (see {@link HEURISTIC_FOCAL_35MM}). O(1). */
export function heuristicFocalPx(widthPx: number, heightPx: number): number {
  return focalPxFrom35mm(HEURISTIC_FOCAL_35MM, widthPx, heightPx);
}

/**
 * Intrinsics of the same camera after resizing the image by (sx, sy) = (newW / oldW, newH / oldH).
 * With the corner-origin convention every term scales exactly. Writes `out` and returns it; `out`
 * may be `K`.
 */
export function scaleIntrinsics(out: Intrinsics, K: Readonly<Intrinsics>, sx: number, sy: number): Intrinsics {
  out.fx = K.fx * sx;
  out.fy = K.fy * sy;
  out.cx = K.cx * sx;
  out.cy = K.cy * sy;
  return out;
}

/** Horizontal and vertical field of view, degrees, of intrinsics on a w × h image (centred or not). */
export function fieldOfViewDeg(K: Readonly<Intrinsics>, widthPx: number, heightPx: number): { x: number; y: number } {
  const toDeg = 180 / Math.PI;
  return {
    x: (Math.atan(K.cx / K.fx) + Math.atan((widthPx - K.cx) / K.fx)) * toDeg,
    y: (Math.atan(K.cy / K.fy) + Math.atan((heightPx - K.cy) / K.fy)) * toDeg,
  };
}

/** True for EXIF orientations 5–8, whose display image is the stored one turned by ±90°. */
export function orientationSwapsAxes(orientation: number | undefined): boolean {
  return orientation !== undefined && orientation >= 5 && orientation <= 8;
}

/** An explicit focal (square pixels, centred principal point) or full intrinsics, in pixels. */
export type ExplicitIntrinsics = { focalPx: number } | Intrinsics;

export interface ResolveIntrinsicsInput {
  /** Wins when present. Must be finite and positive (throws RangeError otherwise). */
  explicit?: ExplicitIntrinsics | undefined;
  /** EXIF facts of the file, or null/undefined when it had none. */
  exif?: ExifFocalFacts | null | undefined;
  /** Size of the image the intrinsics are for: the *oriented* image, in pixels. */
  width: number;
  height: number;
}

export interface ResolvedIntrinsics {
  K: Intrinsics;
  source: IntrinsicsSource;
  /** The 35 mm-equivalent of fx (diagonal definition), for reporting. */
  focal35mmEquiv: number;
}

// Plausibility bounds for EXIF values; anything outside is treated as absent (some cameras write
// 0, the sensor diagonal, or a unit they do not mean).
const MIN_FOCAL_35MM = 4; // ultra-wide fisheyes report ~8; below 4 is nonsense
const MAX_FOCAL_35MM = 5000;
const MIN_SENSOR_MM = 1; // smallest phone sensors are ~3.6 mm wide
const MAX_SENSOR_MM = 100; // medium format is ~54 mm wide

const isPositive = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;

/**
 * Picks the intrinsics for an image, in this order: explicit (`focalPx` → fx = fy, centred; or a
 * full K as given) → EXIF FocalLengthIn35mmFilm → EXIF FocalLength with the sensor size derived
 * from FocalPlaneX/YResolution and PixelX/YDimension → the heuristic ({@link HEURISTIC_FOCAL_35MM}).
 * EXIF facts describe the stored image; for orientations 5–8 the oriented `width`/`height` are the
 * stored ones swapped, so the sensor-path fx/fy are swapped too (the 35 mm path is on the diagonal
 * and needs no care). The principal point of EXIF and heuristic intrinsics is the image centre.
 * Allocates one small object. The 'model' source is never returned here: it is set by the depth
 * engine when a model estimates the focal itself.
 */
export function resolveIntrinsics(input: ResolveIntrinsicsInput): ResolvedIntrinsics {
  const { width, height } = input;
  if (!isPositive(width) || !isPositive(height))
    throw new RangeError(`image size must be positive, got ${width}×${height}`);
  const cx = width / 2;
  const cy = height / 2;
  const done = (fx: number, fy: number, px: number, py: number, source: IntrinsicsSource): ResolvedIntrinsics => ({
    K: { fx, fy, cx: px, cy: py },
    source,
    focal35mmEquiv: focal35mmFromPx(fx, width, height),
  });

  const explicit = input.explicit;
  if (explicit !== undefined) {
    if ('focalPx' in explicit) {
      if (!isPositive(explicit.focalPx)) throw new RangeError(`focal_px must be a positive number`);
      return done(explicit.focalPx, explicit.focalPx, cx, cy, 'explicit');
    }
    const { fx, fy } = explicit;
    if (!isPositive(fx) || !isPositive(fy)) throw new RangeError('fx and fy must be positive numbers');
    if (!Number.isFinite(explicit.cx) || !Number.isFinite(explicit.cy))
      throw new RangeError('cx and cy must be finite');
    return done(fx, fy, explicit.cx, explicit.cy, 'explicit');
  }

  const exif = input.exif;
  if (exif) {
    const f35 = exif.focalLength35mm;
    if (isPositive(f35) && f35 >= MIN_FOCAL_35MM && f35 <= MAX_FOCAL_35MM) {
      const f = focalPxFrom35mm(f35, width, height);
      return done(f, f, cx, cy, 'exif_35mm');
    }
    const fromSensor = focalFromSensorFacts(exif, width, height);
    if (fromSensor !== null) return done(fromSensor.fx, fromSensor.fy, cx, cy, 'exif_focal_sensor');
  }

  const f = heuristicFocalPx(width, height);
  return done(f, f, cx, cy, 'heuristic');
}

/**
 * fx, fy (oriented image) from FocalLength and the focal-plane resolution, or null when the facts
 * are missing or implausible. The sensor width is PixelXDimension / FocalPlaneXResolution — the
 * resolution refers to the image the camera wrote, so a copy resized by a tool that kept EXIF
 * verbatim still gets the right focal; without PixelXDimension the stored width is assumed.
 */
function focalFromSensorFacts(exif: ExifFocalFacts, width: number, height: number): { fx: number; fy: number } | null {
  const focalMm = exif.focalLengthMm;
  const xRes = exif.focalPlaneXPxPerMm;
  if (!isPositive(focalMm) || !isPositive(xRes)) return null;
  const swap = orientationSwapsAxes(exif.orientation);
  const storedW = swap ? height : width;
  const storedH = swap ? width : height;
  const refW = isPositive(exif.pixelXDimension) ? exif.pixelXDimension : storedW;
  const refH = isPositive(exif.pixelYDimension) ? exif.pixelYDimension : storedH;
  const sensorWMm = refW / xRes;
  if (sensorWMm < MIN_SENSOR_MM || sensorWMm > MAX_SENSOR_MM) return null;
  const fxStored = focalPxFromSensor(focalMm, sensorWMm, storedW);
  // Square sensor pixels unless the camera says otherwise.
  const yRes = isPositive(exif.focalPlaneYPxPerMm) ? exif.focalPlaneYPxPerMm : xRes;
  const sensorHMm = refH / yRes;
  const fyStored =
    sensorHMm >= MIN_SENSOR_MM && sensorHMm <= MAX_SENSOR_MM
      ? focalPxFromSensor(focalMm, sensorHMm, storedH)
      : fxStored * (storedH / refH / (storedW / refW));
  return swap ? { fx: fyStored, fy: fxStored } : { fx: fxStored, fy: fyStored };
}
