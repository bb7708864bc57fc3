import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { encodeDepthPng16, encodeMaskPng, encodePreviewPng } from '../../main/engine-host/encode.js';

async function readGrey16(png: Buffer): Promise<{ values: Uint16Array; width: number; height: number }> {
  const { data, info } = await sharp(png)
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 1);
  return {
    values: new Uint16Array(data.buffer, data.byteOffset, data.length / 2),
    width: info.width,
    height: info.height,
  };
}

test('encodeDepthPng16 › a 16-bit greyscale PNG of millimetres: 0 invalid, clamped at 65535', async () => {
  const depth = new Float32Array([0.5, 1.2344, Number.NaN, -1, 70, 0.0004, 2, 3.25]);
  const valid = new Uint8Array([1, 1, 1, 1, 1, 1, 0, 1]);
  const png = await encodeDepthPng16(depth, valid, 4, 2);
  const meta = await sharp(png).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.depth, 'ushort');
  assert.equal(meta.channels, 1);
  assert.equal(meta.bitsPerSample, 16);
  const back = await readGrey16(png);
  assert.deepEqual([back.width, back.height], [4, 2]);
  assert.deepEqual(Array.from(back.values), [500, 1234, 0, 0, 65535, 1, 0, 3250]);
});

test('encodeDepthPng16 › a map larger than one conversion slice (1.2 MP) comes back exactly', async () => {
  const w = 1200;
  const h = 1000;
  const depth = new Float32Array(w * h);
  for (let i = 0; i < depth.length; i++) depth[i] = 0.5 + (i % 40000) / 1000; // 0.5 .. 40.499 m
  const back = await readGrey16(await encodeDepthPng16(depth, null, w, h));
  for (const i of [0, 1, 39_999, 40_000, (1 << 20) - 1, 1 << 20, w * h - 1]) {
    assert.equal(back.values[i], Math.round(depth[i]! * 1000), `pixel ${i}`);
  }
});

test('encodePreviewPng › RGB PNG round-trips exactly', async () => {
  const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
  const png = await encodePreviewPng(rgb, 3, 2);
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [3, 2, 3]);
  assert.deepEqual(Array.from(data), Array.from(rgb));
  await assert.rejects(encodePreviewPng(rgb, 4, 2), RangeError);
});

test('encodeMaskPng › non-zero becomes 255, zero stays 0, one channel', async () => {
  const png = await encodeMaskPng(new Uint8Array([0, 1, 255, 2, 0, 7]), 3, 2);
  const meta = await sharp(png).metadata();
  assert.equal(meta.channels, 1);
  const { data } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual(Array.from(data), [0, 255, 255, 255, 0, 255]);
});
