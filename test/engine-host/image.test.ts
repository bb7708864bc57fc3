import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import sharp from 'sharp';
import { AppError, type ErrorCode } from '../../main/common/errors.js';
import { canDecodeHeic, decodeImage, resizeRgb, type DecodeLimits } from '../../main/engine-host/image.js';
import { readExif } from '../../main/engine-host/exif.js';
import { resolveIntrinsics } from '../../engines/core/index.js';

const LIMITS: DecodeLimits = { maxPixels: 40_000_000, maxBytes: 50 * 1024 * 1024 };

const close = (actual: number, expected: number, tol: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} ≠ ${expected} ± ${tol}`);

/** A w×h grey image whose top-left 20×20 block is pure red: shows where the stored corner went. */
function markedRaw(w: number, h: number): Buffer {
  const data = Buffer.alloc(w * h * 3, 128);
  for (let y = 0; y < 20; y++) {
    for (let x = 0; x < 20; x++) {
      const o = (y * w + x) * 3;
      data[o] = 255;
      data[o + 1] = 0;
      data[o + 2] = 0;
    }
  }
  return data;
}

/** JPEG with EXIF that the test writes itself (sharp writes IFD0 and the Exif sub-IFD, IFD2). */
async function jpegWithExif(w: number, h: number, exif: Record<string, string>, orientation?: number): Promise<Buffer> {
  let img = sharp(markedRaw(w, h), { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 95 })
    .withExif({ IFD0: { Make: 'Acme', Model: 'Test Cam' }, IFD2: exif });
  if (orientation !== undefined) img = img.withMetadata({ orientation });
  return img.toBuffer();
}

const pixel = (img: { data: Uint8Array; width: number }, x: number, y: number) => {
  const o = (y * img.width + x) * 3;
  return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
};
const isRed = ([r, g, b]: number[]) => r! > 230 && g! < 30 && b! < 30;

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, status: number, reason: string, message: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AppError, `expected AppError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.status, status);
    assert.equal((e.details as { reason?: string }).reason, reason);
    assert.match(e.message, message);
    return true;
  });
}

test('EXIF › FocalLengthIn35mmFilm → focal px on the diagonal', async () => {
  const jpg = await jpegWithExif(400, 300, { FocalLength: '4.25', FocalLengthIn35mmFilm: '26' });
  const img = await decodeImage(jpg, LIMITS);
  assert.equal(img.exif?.focalLength35mm, 26);
  assert.equal(img.exif?.focalLengthMm, 4.25);
  assert.equal(img.exif?.make, 'Acme');
  assert.equal(img.exif?.model, 'Test Cam');
  const r = resolveIntrinsics({ exif: img.exif, width: img.rgb.width, height: img.rgb.height });
  assert.equal(r.source, 'exif_35mm');
  close(r.K.fx, 300.46260628866577, 1e-9); // 26 · 500 / 43.2666
  assert.equal(r.K.cx, 200);
  assert.equal(r.K.cy, 150);
});

test('EXIF › FocalLength with focal-plane resolution → focal px (sensor path), any resolution unit', async () => {
  // 62.5 px/mm over 400 px → a 6.4 mm sensor; 4.25 mm lens → 265.625 px.
  const mm = await jpegWithExif(400, 300, {
    FocalLength: '17/4',
    FocalPlaneXResolution: '125/2',
    FocalPlaneYResolution: '125/2',
    FocalPlaneResolutionUnit: '4', // millimetres
  });
  const a = await decodeImage(mm, LIMITS);
  close(a.exif?.focalPlaneXPxPerMm ?? 0, 62.5, 1e-12);
  assert.equal(a.exif?.pixelXDimension, 400);
  const ra = resolveIntrinsics({ exif: a.exif, width: a.rgb.width, height: a.rgb.height });
  assert.equal(ra.source, 'exif_focal_sensor');
  close(ra.K.fx, 265.625, 1e-9);
  close(ra.K.fy, 265.625, 1e-9);

  const inch = await jpegWithExif(400, 300, {
    FocalLength: '17/4',
    FocalPlaneXResolution: '15875/10', // 62.5 px/mm in pixels per inch
    FocalPlaneResolutionUnit: '2',
  });
  const b = await decodeImage(inch, LIMITS);
  const rb = resolveIntrinsics({ exif: b.exif, width: b.rgb.width, height: b.rgb.height });
  assert.equal(rb.source, 'exif_focal_sensor');
  close(rb.K.fx, 265.625, 1e-9);
});

test('EXIF › no EXIF → heuristic; explicit focal overrides EXIF', async () => {
  const plain = await sharp(markedRaw(400, 300), { raw: { width: 400, height: 300, channels: 3 } })
    .jpeg()
    .toBuffer();
  const img = await decodeImage(plain, LIMITS);
  assert.equal(img.exif, null);
  const h = resolveIntrinsics({ exif: img.exif, width: img.rgb.width, height: img.rgb.height });
  assert.equal(h.source, 'heuristic');
  close(h.K.fx, 300.46260628866577, 1e-9); // the 26 mm heuristic on a 500 px diagonal

  const withExif = await decodeImage(await jpegWithExif(400, 300, { FocalLengthIn35mmFilm: '50' }), LIMITS);
  const e = resolveIntrinsics({ explicit: { focalPx: 777 }, exif: withExif.exif, width: 400, height: 300 });
  assert.equal(e.source, 'explicit');
  assert.deepEqual(e.K, { fx: 777, fy: 777, cx: 200, cy: 150 });
});

test('EXIF › orientation 6: pixels turned 90° clockwise, size swapped, fx/fy and principal point follow', async () => {
  const jpg = await jpegWithExif(
    400,
    300,
    {
      FocalLength: '17/4',
      FocalPlaneXResolution: '125/2', // 62.5 px/mm along stored x
      FocalPlaneYResolution: '50', // 50 px/mm along stored y (non-square, so a missed swap shows)
      FocalPlaneResolutionUnit: '4',
    },
    6,
  );
  const img = await decodeImage(jpg, LIMITS);
  assert.equal(img.original.orientation, 6);
  assert.deepEqual([img.original.width, img.original.height], [400, 300]);
  assert.deepEqual([img.rgb.width, img.rgb.height], [300, 400]);
  assert.equal(img.rgb.data.length, 300 * 400 * 3);
  // Orientation 6 = rotate 90° clockwise to display: the stored top-left corner is now top-right.
  assert.ok(isRed(pixel(img.rgb, 300 - 5, 5)), `top-right ${pixel(img.rgb, 295, 5)}`);
  assert.ok(!isRed(pixel(img.rgb, 5, 5)), `top-left ${pixel(img.rgb, 5, 5)}`);
  assert.ok(!isRed(pixel(img.rgb, 5, 395)) && !isRed(pixel(img.rgb, 295, 395)));
  const r = resolveIntrinsics({ exif: img.exif, width: img.rgb.width, height: img.rgb.height });
  assert.equal(r.source, 'exif_focal_sensor');
  close(r.K.fx, 212.5, 1e-9); // oriented x is stored y: 4.25 mm · 50 px/mm
  close(r.K.fy, 265.625, 1e-9); // oriented y is stored x: 4.25 mm · 62.5 px/mm
  assert.equal(r.K.cx, 150);
  assert.equal(r.K.cy, 200);
});

test('decode › CMYK JPEG becomes sRGB', async () => {
  const cmyk = await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 255, g: 0, b: 0 } } })
    .toColourspace('cmyk')
    .jpeg()
    .toBuffer();
  const img = await decodeImage(cmyk, LIMITS);
  assert.equal(img.original.space, 'cmyk');
  assert.equal(img.rgb.channels, 3);
  assert.equal(img.rgb.data.length, 32 * 24 * 3);
  const [r, g, b] = pixel(img.rgb, 16, 12);
  assert.ok(r! > 200 && g! < 40 && b! < 40, `red after CMYK round trip: ${[r, g, b]}`);
});

test('decode › greyscale PNG becomes equal RGB channels, values unchanged', async () => {
  const grey = Buffer.alloc(16 * 4);
  for (let i = 0; i < grey.length; i++) grey[i] = i * 4;
  const png = await sharp(grey, { raw: { width: 16, height: 4, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  const img = await decodeImage(png, LIMITS);
  assert.equal(img.original.space, 'b-w');
  for (const i of [0, 17, 63]) assert.deepEqual(pixel(img.rgb, i % 16, Math.floor(i / 16)), [i * 4, i * 4, i * 4]);
});

test('decode › 16-bit PNG becomes 8-bit (value / 257)', async () => {
  const rgb16 = new Uint16Array([65535, 0, 0, 0, 51400, 0, 0, 0, 12850, 32896, 32896, 32896]);
  const png = await sharp(rgb16, { raw: { width: 2, height: 2, channels: 3 } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();
  const meta = await sharp(png).metadata();
  assert.equal(meta.depth, 'ushort', 'the fixture really is 16-bit');
  const img = await decodeImage(png, LIMITS);
  assert.equal(img.original.depthBits, 16);
  const got = [...pixel(img.rgb, 0, 0), ...pixel(img.rgb, 1, 0), ...pixel(img.rgb, 0, 1), ...pixel(img.rgb, 1, 1)];
  const want = [255, 0, 0, 0, 200, 0, 0, 0, 50, 128, 128, 128];
  got.forEach((v, i) => close(v, want[i]!, 1, `channel ${i}`));
});

test('decode › RGBA PNG is flattened onto white', async () => {
  // transparent red, opaque blue, half-transparent black, opaque green
  const rgba = Buffer.from([255, 0, 0, 0, 0, 0, 255, 255, 0, 0, 0, 128, 0, 255, 0, 255]);
  const png = await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } })
    .png()
    .toBuffer();
  const img = await decodeImage(png, LIMITS);
  assert.equal(img.original.hasAlpha, true);
  assert.deepEqual(pixel(img.rgb, 0, 0), [255, 255, 255]);
  assert.deepEqual(pixel(img.rgb, 1, 0), [0, 0, 255]);
  pixel(img.rgb, 0, 1).forEach((v) => close(v, 127, 1, 'half-transparent black on white'));
  assert.deepEqual(pixel(img.rgb, 1, 1), [0, 255, 0]);
});

test('decode › WebP, TIFF, GIF and AVIF decode', async () => {
  const base = () => sharp({ create: { width: 24, height: 16, channels: 3, background: { r: 0, g: 0, b: 255 } } });
  for (const [name, buf] of [
    ['webp', await base().webp({ lossless: true }).toBuffer()],
    ['tiff', await base().tiff().toBuffer()],
    ['gif', await base().gif().toBuffer()],
    ['heif', await base().avif({ quality: 90 }).toBuffer()],
  ] as const) {
    const img = await decodeImage(buf, LIMITS);
    assert.equal(img.original.format, name);
    assert.deepEqual([img.rgb.width, img.rgb.height], [24, 16]);
    const [r, g, b] = pixel(img.rgb, 12, 8);
    assert.ok(b! > 200 && r! < 40 && g! < 40, `${name} blue: ${[r, g, b]}`);
  }
});

test('decode › a 12 MP image at the pixel limit is accepted; one pixel over is 413', async () => {
  const jpg = await sharp({ create: { width: 4032, height: 3024, channels: 3, background: '#336699' } })
    .jpeg()
    .toBuffer();
  const limit = 4032 * 3024;
  const img = await decodeImage(jpg, { maxPixels: limit, maxBytes: LIMITS.maxBytes });
  assert.deepEqual([img.rgb.width, img.rgb.height], [4032, 3024]);
  assert.equal(img.rgb.data.length, limit * 3);
  await rejectsWith(
    decodeImage(jpg, { maxPixels: limit - 1, maxBytes: LIMITS.maxBytes }),
    'payload_too_large',
    413,
    'image_too_many_pixels',
    /4032×3024 \(12\.2 MP\); the limit is 12\.2 MP/,
  );
  await rejectsWith(
    decodeImage(jpg, { maxPixels: limit, maxBytes: jpg.length - 1 }),
    'payload_too_large',
    413,
    'image_too_many_bytes',
    /bytes; the limit is/,
  );
});

test('decode › empty, random bytes, text, SVG, truncated JPEG and HEIC get clear 4xx errors', async () => {
  await rejectsWith(decodeImage(Buffer.alloc(0), LIMITS), 'bad_request', 400, 'image_empty', /empty/);
  await rejectsWith(
    decodeImage(randomBytes(4096), LIMITS),
    'unsupported_media_type',
    415,
    'image_unrecognised',
    /not a recognised image.*JPEG, PNG/,
  );
  await rejectsWith(
    decodeImage(Buffer.from('name,width\nchair,0.45\n'.repeat(50)), LIMITS),
    'unsupported_media_type',
    415,
    'image_unrecognised',
    /not a recognised image/,
  );
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
  );
  await rejectsWith(
    decodeImage(svg, LIMITS),
    'unsupported_media_type',
    415,
    'image_format_not_accepted',
    /SVG images are not accepted/,
  );

  const noisy = await sharp({
    create: {
      width: 640,
      height: 480,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg()
    .toBuffer();
  await rejectsWith(
    decodeImage(noisy.subarray(0, noisy.length >> 1), LIMITS),
    'bad_request',
    400,
    'image_corrupt',
    /JPEG image is truncated or corrupt/,
  );

  // An ISO-BMFF file branded HEIC (ftyp heic / mif1 heic), as an iPhone writes.
  const heic = Buffer.concat([
    Buffer.from([0, 0, 0, 0x18]),
    Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'),
    randomBytes(512),
  ]);
  if (!canDecodeHeic()) {
    await rejectsWith(decodeImage(heic, LIMITS), 'unsupported_media_type', 415, 'heic_unsupported', /HEIC/);
  }
});

test('readExif › reads a whole file or a bare EXIF block; garbage gives null', async () => {
  const jpg = await jpegWithExif(40, 30, { FocalLengthIn35mmFilm: '28', FocalLength: '5.1' }, 8);
  const whole = await readExif(jpg);
  assert.deepEqual(
    { f35: whole?.focalLength35mm, f: whole?.focalLengthMm, o: whole?.orientation },
    { f35: 28, f: 5.1, o: 8 },
  );
  const block = (await sharp(jpg).metadata()).exif;
  assert.ok(block);
  assert.equal((await readExif(block))?.focalLength35mm, 28);
  assert.equal(await readExif(randomBytes(64)), null);
});

test('resizeRgb › exact size, kernels, and nearest keeps hard edges', async () => {
  // Left half red, right half blue, 64×32 → 16×8.
  const w = 64;
  const h = 32;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(x < 32 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
  const src = { data, width: w, height: h, channels: 3 as const };
  for (const kernel of ['cubic', 'linear', 'nearest'] as const) {
    const small = await resizeRgb(src, 16, 8, kernel);
    assert.deepEqual([small.width, small.height, small.data.length], [16, 8, 16 * 8 * 3]);
    assert.deepEqual(pixel(small, 2, 4), [255, 0, 0], kernel);
    assert.deepEqual(pixel(small, 13, 4), [0, 0, 255], kernel);
  }
  const near = await resizeRgb(src, 16, 8, 'nearest');
  for (let x = 0; x < 16; x++) assert.ok(isRed(pixel(near, x, 3)) || pixel(near, x, 3)[2] === 255);
  // Non-uniform scale (aspect not kept) and upscaling.
  const big = await resizeRgb(src, 100, 7, 'linear');
  assert.deepEqual([big.width, big.height], [100, 7]);
  await assert.rejects(resizeRgb(src, 0, 8, 'cubic'), RangeError);
});

test('decodeImage › size option decodes straight to the model size, matching decode + resizeRgb', async () => {
  // Smooth gradient photo, orientation 6, with the red marker in the stored top-left corner.
  const w = 400;
  const h = 300;
  const raw = markedRaw(w, h);
  for (let y = 20; y < h; y++) {
    for (let x = 0; x < w; x++) raw.set([(x * 255) / w, (y * 255) / h, 90], (y * w + x) * 3);
  }
  const jpg = await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const asked: number[] = [];
  const small = await decodeImage(jpg, LIMITS, {
    size: (ow, oh) => {
      asked.push(ow, oh);
      return { width: ow / 2, height: oh / 2 };
    },
  });
  assert.deepEqual(asked, [300, 400], 'the callback sees the oriented full size');
  assert.deepEqual(small.oriented, { width: 300, height: 400 });
  assert.deepEqual([small.rgb.width, small.rgb.height], [150, 200]);
  assert.ok(isRed(pixel(small.rgb, 150 - 3, 3)), 'marker went top-right');

  const full = await decodeImage(jpg, LIMITS);
  assert.deepEqual(full.oriented, { width: 300, height: 400 });
  const twoStep = await resizeRgb(full.rgb, 150, 200, 'cubic');
  let sum = 0;
  for (let i = 0; i < twoStep.data.length; i++) sum += Math.abs(twoStep.data[i]! - small.rgb.data[i]!);
  const meanAbs = sum / twoStep.data.length;
  assert.ok(meanAbs < 2, `mean |fused − two-step| = ${meanAbs.toFixed(2)} grey levels`);
  await assert.rejects(decodeImage(jpg, LIMITS, { size: () => ({ width: 0, height: 10 }) }), RangeError);
});
