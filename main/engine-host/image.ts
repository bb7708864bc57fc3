/**
 * Untrusted image bytes → an oriented 8-bit sRGB RGB image, with clear 4xx errors for everything
 * that is not a decodable image of acceptable size. All pixel work runs in sharp/libvips (its own
 * thread pool, async API), never in a JavaScript loop on the event loop.
 */
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { AppError } from '../common/errors.js';
import type { ExifFocalFacts } from '../../engines/core/index.js';
import type { RgbImage } from '../../engines/image/index.js';
import { readExif } from './exif.js';

export type { RgbImage } from '../../engines/image/index.js';

export interface DecodeLimits {
  /** Largest accepted width × height of the stored image (decompression-bomb guard) → 413. */
  maxPixels: number;
  /** Largest accepted file size, bytes → 413. */
  maxBytes: number;
}

/** What the file was, before it became `rgb`. */
export interface OriginalImageInfo {
  /** Stored size, before EXIF orientation (after it: `DecodedImage.oriented`). */
  width: number;
  height: number;
  /** sharp's decoder name: jpeg, png, webp, tiff, gif, heif (AVIF). */
  format: string;
  /** EXIF orientation 1..8 that was applied (1 when none). */
  orientation: number;
  /** Had an alpha channel; it was flattened onto {@link ALPHA_BACKGROUND}. */
  hasAlpha: boolean;
  /** Colour space as stored: srgb, cmyk, b-w, rgb16, grey16, … */
  space: string;
  /** Bits per channel as stored (8, 16, 32…). */
  depthBits: number;
}

export interface DecodedImage {
  /** The decoded pixels: the oriented image, or the size `DecodeOptions.size` asked for. */
  rgb: RgbImage;
  /** Full-resolution size after EXIF orientation: resolve intrinsics on this, then scale to `rgb`. */
  oriented: { width: number; height: number };
  original: OriginalImageInfo;
  exif: ExifFocalFacts | null;
}

/**
 * Transparent pixels become white: what browsers, viewers and most product photos show behind
 * transparency, so the model sees the image the user saw.
 */
export const ALPHA_BACKGROUND = { r: 255, g: 255, b: 255 } as const;

/** Decoders accepted for photos. SVG (vector, XML) and anything else sharp might read are not. */
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'heif']);
const ACCEPTED_LIST = 'JPEG, PNG, WebP, TIFF, GIF or AVIF';

const DEPTH_BITS: Readonly<Record<string, number>> = {
  uchar: 8,
  char: 8,
  ushort: 16,
  short: 16,
  uint: 32,
  int: 32,
  float: 32,
  complex: 64,
  double: 64,
  dpcomplex: 128,
};

// ISO-BMFF brands of HEVC-coded HEIF (HEIC) images and sequences.
const HEVC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);

/**
 * Whether this sharp build decodes HEIC (HEVC-coded HEIF). The prebuilt sharp binaries ship
 * libheif with the AV1 decoder only (AVIF); a global libvips built with libde265 lists ".heic".
 */
export function canDecodeHeic(): boolean {
  return sharp.format.heif.input.fileSuffix?.includes('.heic') ?? false;
}

/** The file's ISO-BMFF brands (major + compatible) when it starts with an `ftyp` box, else []. */
function bmffBrands(input: Uint8Array): string[] {
  if (input.length < 16) return [];
  const ascii = (at: number) => String.fromCharCode(input[at]!, input[at + 1]!, input[at + 2]!, input[at + 3]!);
  if (ascii(4) !== 'ftyp') return [];
  const size = Math.min(
    ((input[0]! << 24) | (input[1]! << 16) | (input[2]! << 8) | input[3]!) >>> 0,
    input.length,
    256,
  );
  const brands = [ascii(8)];
  for (let at = 16; at + 4 <= size; at += 4) brands.push(ascii(at));
  return brands;
}

function isHeic(input: Uint8Array): boolean {
  const brands = bmffBrands(input);
  return brands.some((b) => HEVC_BRANDS.has(b)) && !brands.includes('avif') && !brands.includes('avis');
}

function heicUnsupported(): AppError {
  return new AppError(
    'unsupported_media_type',
    `HEIC (HEVC-coded HEIF) images cannot be decoded by this build; convert the photo to JPEG or PNG (on iPhone: Settings › Camera › Formats › Most Compatible). Accepted: ${ACCEPTED_LIST}.`,
    { details: { reason: 'heic_unsupported' } },
  );
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);

export interface DecodeOptions {
  /**
   * Decode straight to a smaller size: given the oriented full-resolution size, return the size
   * wanted (e.g. the model input). One libvips pipeline with JPEG shrink-on-load: about 4× faster
   * than decodeImage + resizeRgb for a 12 MP photo and never materialises the 36 MB full image.
   */
  size?: (orientedWidth: number, orientedHeight: number) => { width: number; height: number };
  /** Kernel for `size` (default 'cubic'). */
  kernel?: ResizeKernel;
}

/**
 * Decodes untrusted image bytes into an oriented 8-bit sRGB RGB image:
 * EXIF orientation applied (so the model sees the picture upright), alpha flattened onto white,
 * CMYK / greyscale / 16-bit / ICC-profiled input converted to 8-bit sRGB, first page only for
 * multi-page files. EXIF focal facts are read from the same file (orientation: the one applied).
 * Errors (all `AppError`, message fit for the caller, `details.reason` for machines):
 * empty → 400 `bad_request` (image_empty); over `maxBytes` or `maxPixels` → 413
 * `payload_too_large` (image_too_many_bytes / image_too_many_pixels, with the numbers); not an
 * image, an unaccepted format (SVG…) or HEIC without a decoder → 415 `unsupported_media_type`
 * (image_unrecognised / image_format_not_accepted / heic_unsupported); an accepted format that
 * is truncated or corrupt → 400 `bad_request` (image_corrupt). Decoding runs on libvips threads.
 */
export async function decodeImage(
  input: Uint8Array,
  limits: DecodeLimits,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  if (input.length === 0) {
    throw new AppError('bad_request', 'The image is empty (0 bytes).', { details: { reason: 'image_empty' } });
  }
  if (input.length > limits.maxBytes) {
    throw new AppError('payload_too_large', `The image is ${input.length} bytes; the limit is ${limits.maxBytes}.`, {
      details: { reason: 'image_too_many_bytes', bytes: input.length, maxBytes: limits.maxBytes },
    });
  }
  if (isHeic(input) && !canDecodeHeic()) throw heicUnsupported();

  let meta: Metadata;
  try {
    meta = await sharp(input).metadata();
  } catch (e) {
    throw new AppError('unsupported_media_type', `The upload is not a recognised image. Send ${ACCEPTED_LIST}.`, {
      details: { reason: 'image_unrecognised', decoder: firstLine(e) },
    });
  }
  if (!ACCEPTED_FORMATS.has(meta.format)) {
    throw new AppError(
      'unsupported_media_type',
      `${meta.format.toUpperCase()} images are not accepted. Send ${ACCEPTED_LIST}.`,
      { details: { reason: 'image_format_not_accepted', format: meta.format } },
    );
  }
  if (meta.format === 'heif' && meta.compression === 'hevc' && !canDecodeHeic()) throw heicUnsupported();
  const pixels = meta.width * meta.height;
  if (pixels > limits.maxPixels) {
    throw tooManyPixels(meta.width, meta.height, limits.maxPixels);
  }

  const oriented = { width: meta.autoOrient.width, height: meta.autoOrient.height };
  const target = options.size?.(oriented.width, oriented.height);
  if (
    target &&
    !(Number.isInteger(target.width) && Number.isInteger(target.height) && target.width > 0 && target.height > 0)
  ) {
    throw new RangeError(`decodeImage: bad target size ${target.width}×${target.height}`);
  }

  let decoded: { data: Buffer; info: OutputInfo };
  try {
    let pipeline = sharp(input, {
      limitInputPixels: limits.maxPixels,
      // 'error' rejects truncated and corrupt pixel data but tolerates libjpeg's benign warnings
      // (e.g. extraneous bytes before a marker), which many phone and scanner JPEGs carry.
      failOn: 'error',
    })
      .autoOrient()
      .flatten({ background: ALPHA_BACKGROUND })
      .toColourspace('srgb');
    // A size equal to the oriented one needs no resampling pass (libvips would still run one).
    if (target && (target.width !== oriented.width || target.height !== oriented.height)) {
      pipeline = pipeline.resize(target.width, target.height, {
        fit: 'fill',
        kernel: options.kernel ?? 'cubic',
        // Shrink-on-load only as far as stays exact-ish; the default (true) trades moiré for speed.
        fastShrinkOnLoad: false,
      });
    }
    decoded = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    const reason = firstLine(e);
    if (/pixel limit/i.test(reason)) throw tooManyPixels(meta.width, meta.height, limits.maxPixels);
    throw new AppError(
      'bad_request',
      `The ${meta.format.toUpperCase()} image is truncated or corrupt and could not be decoded.`,
      { details: { reason: 'image_corrupt', format: meta.format, decoder: reason } },
    );
  }
  const { data, info } = decoded;
  if (info.channels !== 3) throw new Error(`decodeImage: expected 3 channels, sharp gave ${info.channels}`);

  const orientation =
    meta.orientation !== undefined && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
  let exif = meta.exif ? await readExif(meta.exif) : null;
  // Orientation is the one sharp applied (it may come from the container, e.g. PNG eXIf or HEIF).
  if (exif !== null || orientation !== 1) exif = { ...(exif ?? {}), orientation };

  return {
    rgb: {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels: 3,
    },
    oriented,
    original: {
      width: meta.width,
      height: meta.height,
      format: meta.format,
      orientation,
      hasAlpha: meta.hasAlpha,
      space: meta.space,
      depthBits: DEPTH_BITS[meta.depth] ?? 8,
    },
    exif,
  };
}

function tooManyPixels(width: number, height: number, maxPixels: number): AppError {
  return new AppError(
    'payload_too_large',
    `The image is ${width}×${height} (${((width * height) / 1e6).toFixed(1)} MP); the limit is ${(maxPixels / 1e6).toFixed(1)} MP.`,
    { details: { reason: 'image_too_many_pixels', width, height, pixels: width * height, maxPixels } },
  );
}

/** Resampling kernels for {@link resizeRgb}; sharp/libvips reduce with antialiasing when shrinking. */
export type ResizeKernel = 'cubic' | 'linear' | 'nearest';

/**
 * Resizes an RGB image to exactly `width` × `height` (aspect not preserved; the caller picks the
 * size) on libvips threads. 'cubic' is Catmull-Rom, which when shrinking integrates over the
 * footprint like PIL's antialiased BICUBIC (what DPT-style processors use); 'linear' a triangle
 * filter; 'nearest' picks pixels (for masks and labels). Allocates the result.
 */
export async function resizeRgb(img: RgbImage, width: number, height: number, kernel: ResizeKernel): Promise<RgbImage> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`resizeRgb: bad size ${width}×${height}`);
  }
  const { data, info } = await sharp(img.data, {
    raw: { width: img.width, height: img.height, channels: 3 },
    limitInputPixels: false,
  })
    .resize(width, height, { fit: 'fill', kernel })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    channels: 3,
  };
}
