/**
 * EXIF → the focal-length facts the camera model needs (engines/core `ExifFocalFacts`), via exifr.
 *
 * Fields read, and why (EXIF 2.32 tag numbers):
 * - FocalLengthIn35mmFilm 0xA405 (exifr: FocalLengthIn35mmFormat) — the most reliable focal fact:
 *   phones and most cameras write it, and it needs no sensor size;
 * - FocalLength 0x920A with FocalPlaneXResolution 0xA20E / FocalPlaneYResolution 0xA20F /
 *   FocalPlaneResolutionUnit 0xA210 and PixelXDimension 0xA002 / PixelYDimension 0xA003
 *   (exifr: ExifImageWidth/ExifImageHeight) — the sensor path, for cameras that omit the 35 mm value;
 * - Orientation 0x0112 — which way the sensor image is turned;
 * - Make 0x010F, Model 0x0110 — reported back, and useful to debug a surprising focal.
 * Nothing else (GPS, maker notes, thumbnails) is parsed.
 */
import exifr from 'exifr';
import type { ExifFocalFacts } from '../../engines/core/index.js';

const PICK = [
  'Make',
  'Model',
  'Orientation',
  'FocalLength',
  'FocalLengthIn35mmFormat',
  'FocalPlaneXResolution',
  'FocalPlaneYResolution',
  'FocalPlaneResolutionUnit',
  'ExifImageWidth',
  'ExifImageHeight',
];

// FocalPlaneResolutionUnit → millimetres per unit. 2 (inch) is the EXIF default when the tag is
// absent; 4 (mm) and 5 (µm) are TIFF/EP values some cameras write. 1 ("no absolute unit") is
// unusable for a physical sensor size.
const MM_PER_UNIT: Readonly<Record<number, number>> = { 2: 25.4, 3: 10, 4: 1, 5: 0.001 };

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]; // "Exif\0\0" (APP1 and sharp's metadata.exif)

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim().length > 0 ? v.replace(/\0+$/, '').trim() : undefined;

/**
 * Reads the focal facts from a whole image file (JPEG, PNG, TIFF, HEIF/AVIF, WebP — whatever exifr
 * understands) or from a bare EXIF block as sharp's `metadata().exif` gives it ("Exif\0\0" + TIFF).
 * Returns null when there is no EXIF or none of the fields above; corrupt EXIF also gives null,
 * because a photo without usable metadata is still a photo. Async, parses only the EXIF segments.
 */
export async function readExif(input: Uint8Array): Promise<ExifFocalFacts | null> {
  let data = input;
  if (EXIF_HEADER.every((b, i) => input[i] === b)) data = input.subarray(EXIF_HEADER.length);
  let raw: Record<string, unknown> | undefined;
  try {
    raw = (await exifr.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
      pick: PICK,
      translateValues: false,
      reviveValues: true,
    })) as Record<string, unknown> | undefined;
  } catch {
    return null;
  }
  return raw ? exifFocalFacts(raw) : null;
}

/** Maps exifr's output (translateValues: false) to `ExifFocalFacts`; null when nothing is usable. */
export function exifFocalFacts(raw: Readonly<Record<string, unknown>>): ExifFocalFacts | null {
  const facts: ExifFocalFacts = {};
  const focal = num(raw['FocalLength']);
  if (focal !== undefined && focal > 0) facts.focalLengthMm = focal;
  const f35 = num(raw['FocalLengthIn35mmFormat']);
  if (f35 !== undefined && f35 > 0) facts.focalLength35mm = f35; // 0 means "unknown" in EXIF
  const unit = num(raw['FocalPlaneResolutionUnit']) ?? 2;
  const mmPerUnit = MM_PER_UNIT[unit];
  const xRes = num(raw['FocalPlaneXResolution']);
  const yRes = num(raw['FocalPlaneYResolution']);
  if (mmPerUnit !== undefined && xRes !== undefined && xRes > 0) facts.focalPlaneXPxPerMm = xRes / mmPerUnit;
  if (mmPerUnit !== undefined && yRes !== undefined && yRes > 0) facts.focalPlaneYPxPerMm = yRes / mmPerUnit;
  const w = num(raw['ExifImageWidth']);
  const h = num(raw['ExifImageHeight']);
  if (w !== undefined && w > 0) facts.pixelXDimension = w;
  if (h !== undefined && h > 0) facts.pixelYDimension = h;
  const orientation = num(raw['Orientation']);
  if (orientation !== undefined && orientation >= 1 && orientation <= 8) facts.orientation = orientation;
  const make = str(raw['Make']);
  const model = str(raw['Model']);
  if (make !== undefined) facts.make = make;
  if (model !== undefined) facts.model = model;
  return Object.keys(facts).length > 0 ? facts : null;
}
