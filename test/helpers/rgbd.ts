import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** The shared real-data folder, seen from the repository root; absent on a bare clone. */
/** The project's shared real data: `../shared/data` beside the checkout, or `$SPATIALFORGE_SHARED_DATA`. */
export const SHARED_DATA = path.resolve(process.env.SPATIALFORGE_SHARED_DATA ?? '../shared/data');
export const hasSharedData = (sub: string) => fs.existsSync(path.join(SHARED_DATA, sub));

/** A real RGB-D frame: the colour file's bytes (any format we decode) and metric depth (0 = none). */
export interface RgbdFrame {
  name: string;
  image: Buffer;
  depthM: Float32Array;
  width: number;
  height: number;
}

/** Netpbm P5/P6 (what the NYU and Kinect-room frames use): header fields and the pixel bytes. */
export function readPnm(file: string): { magic: string; width: number; height: number; maxval: number; data: Buffer } {
  const buf = fs.readFileSync(file);
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[i]!))) i++;
    if (buf[i] === 0x23) {
      while (buf[i] !== 0x0a) i++;
      continue;
    }
    let tok = '';
    while (!/\s/.test(String.fromCharCode(buf[i]!))) tok += String.fromCharCode(buf[i++]!);
    fields.push(tok);
  }
  i++; // the single whitespace byte after maxval
  const [magic, w, h, maxval] = fields as [string, string, string, string];
  return { magic, width: Number(w), height: Number(h), maxval: Number(maxval), data: buf.subarray(i) };
}

async function ppmToPng(file: string): Promise<Buffer> {
  const p = readPnm(file);
  return sharp(p.data.subarray(0, p.width * p.height * 3), { raw: { width: p.width, height: p.height, channels: 3 } })
    .png()
    .toBuffer();
}

async function png16(file: string): Promise<{ data: Uint16Array; width: number; height: number }> {
  const { data, info } = await sharp(file)
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint16Array(data.buffer, data.byteOffset, info.width * info.height),
    width: info.width,
    height: info.height,
  };
}

function frame(name: string, image: Buffer, width: number, height: number, depthAt: (i: number) => number): RgbdFrame {
  const depthM = new Float32Array(width * height);
  for (let i = 0; i < depthM.length; i++) {
    const d = depthAt(i);
    depthM[i] = Number.isFinite(d) && d > 0 ? d : 0;
  }
  return { name, image, depthM, width, height };
}

/**
 * Every real RGB-D frame in ../shared/data with its sensor depth in metres, decoded per each
 * folder's PROVENANCE.md. Folders that are missing are skipped.
 */
export async function loadRgbdFrames(): Promise<RgbdFrame[]> {
  const out: RgbdFrame[] = [];
  const d = (...p: string[]) => path.join(SHARED_DATA, ...p);
  if (hasSharedData('slambook2-tum-pair')) {
    for (const n of ['1', '2']) {
      const g = await png16(d('slambook2-tum-pair', `${n}_depth.png`));
      out.push(
        frame(
          `TUM pair ${n}`,
          fs.readFileSync(d('slambook2-tum-pair', `${n}.png`)),
          g.width,
          g.height,
          (i) => g.data[i]! / 5000,
        ),
      );
    }
  }
  if (hasSharedData('open3d-rgbd-formats')) {
    const tum = await png16(d('open3d-rgbd-formats', 'TUM_depth.png'));
    out.push(
      frame(
        'TUM (Open3D)',
        fs.readFileSync(d('open3d-rgbd-formats', 'TUM_color.png')),
        tum.width,
        tum.height,
        (i) => tum.data[i]! / 5000,
      ),
    );
    const sun = await png16(d('open3d-rgbd-formats', 'SUN_depth.png'));
    // SUN RGB-D stores depth rotated left by 3 bits.
    out.push(
      frame('SUN RGB-D', fs.readFileSync(d('open3d-rgbd-formats', 'SUN_color.jpg')), sun.width, sun.height, (i) => {
        const v = sun.data[i]!;
        return (((v >> 3) | (v << 13)) & 0xffff) / 1000;
      }),
    );
    const nyu = readPnm(d('open3d-rgbd-formats', 'NYU_depth.pgm'));
    // Raw Kinect disparity, little-endian despite the PGM header (Open3D byte-swaps it).
    out.push(
      frame('NYU v2 (raw)', await ppmToPng(d('open3d-rgbd-formats', 'NYU_color.ppm')), nyu.width, nyu.height, (i) => {
        const r = nyu.data.readUInt16LE(2 * i);
        return r === 2047 ? 0 : 351.3 / (1092.5 - r);
      }),
    );
  }
  if (hasSharedData('slambook2-rgbd-room')) {
    for (const n of ['1', '2', '3', '4', '5']) {
      const g = readPnm(d('slambook2-rgbd-room', 'depth', `${n}.pgm`));
      out.push(
        frame(
          `Kinect room ${n}`,
          fs.readFileSync(d('slambook2-rgbd-room', 'color', `${n}.png`)),
          g.width,
          g.height,
          (i) => g.data.readUInt16BE(2 * i) / 1000,
        ),
      );
    }
  }
  return out;
}
