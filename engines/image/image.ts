/** An 8-bit sRGB image, interleaved RGB, row-major, `data.length === width * height * 3`. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}
