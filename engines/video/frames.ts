import { spawn } from 'node:child_process';
import { VideoError } from './errors.js';
import { ffmpegBin, spawnError, type FfmpegPaths } from './ffmpeg.js';
import { probeVideo, type VideoInfo } from './probe.js';

/** One decoded frame: interleaved 8-bit RGB, row-major, upright (rotation metadata applied). */
export interface VideoFrame {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
  /** 0-based index among the frames delivered. */
  index: number;
  /** Presentation time from the start of the video, seconds (index / fps of the output). */
  timestampS: number;
}

/** Options of {@link readFrames}. */
export interface ReadFramesOptions extends FfmpegPaths {
  /** Output rate, frames per second (ffmpeg's fps filter picks or repeats frames); default: every
   * frame of the source, time-stamped at its average rate. */
  fps?: number;
  /** Stop after this many frames (ffmpeg stops decoding too). */
  maxFrames?: number;
  /** Scale down (ffmpeg's area scaler) so the longer side is at most this, px; never up. */
  maxSide?: number;
  /** Kills ffmpeg and rejects with VideoError `aborted`. */
  signal?: AbortSignal;
  /** The probe result, when the caller already has it (saves one ffprobe run). */
  info?: VideoInfo;
  /**
   * Called once per frame, in order. The frame's buffer is reused for the next frame once this
   * returns (or its promise settles): copy what you keep. Reading waits for a returned promise.
   */
  onFrame: (frame: VideoFrame) => void | Promise<void>;
}

/** What {@link readFrames} delivered. */
export interface ReadFramesResult {
  frameCount: number;
  width: number;
  height: number;
  info: VideoInfo;
}

/** The delivered size: the displayed size scaled so its longer side ≤ maxSide (rounded, ≥ 1 px). */
export function outputSize(info: VideoInfo, maxSide?: number): { width: number; height: number } {
  const s = maxSide && maxSide > 0 ? Math.min(1, maxSide / Math.max(info.width, info.height)) : 1;
  return { width: Math.max(1, Math.round(info.width * s)), height: Math.max(1, Math.round(info.height * s)) };
}

/**
 * Decodes a video to raw RGB frames streamed from ffmpeg through a pipe (`-f rawvideo -pix_fmt
 * rgb24`), with ffmpeg's autorotation (so frames are upright and width/height are the displayed
 * ones), optional rate change and downscaling, and back-pressure (ffmpeg waits while `onFrame`
 * works). No temporary files; one frame buffer of width·height·3 bytes, reused. Throws VideoError:
 * `ffmpeg_missing`, `unreadable` (not a video, or ffmpeg failed), `no_video_stream`, `no_frames`
 * (nothing decoded), `aborted` (the signal fired; ffmpeg is killed and has exited when this rejects).
 */
export async function readFrames(path: string, options: ReadFramesOptions): Promise<ReadFramesResult> {
  const { signal } = options;
  if (signal?.aborted) throw new VideoError('aborted', 'video reading was cancelled', { cause: signal.reason });
  const info =
    options.info ??
    (await probeVideo(path, {
      ...(options.ffprobePath !== undefined && { ffprobePath: options.ffprobePath }),
      ...(signal && { signal }),
    }));
  const { width, height } = outputSize(info, options.maxSide);
  const fps = options.fps;
  if (fps !== undefined && !(fps > 0)) throw new RangeError(`fps must be positive, got ${fps}`);
  const filters = [...(fps ? [`fps=${fps}`] : []), `scale=${width}:${height}:flags=area`, 'setsar=1'].join(',');
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-i', path, '-map', '0:v:0', '-an', '-sn', '-dn'];
  args.push('-vf', filters);
  if (options.maxFrames !== undefined) args.push('-frames:v', String(Math.max(0, Math.floor(options.maxFrames))));
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');

  const bin = ffmpegBin(options);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  let spawnErr: NodeJS.ErrnoException | null = null;
  const closed = new Promise<number | null>((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnErr = err;
      resolve(null);
    });
    child.on('close', (code) => resolve(code));
  });
  const kill = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', kill, { once: true });

  const frameBytes = width * height * 3;
  const frame: VideoFrame = { data: new Uint8Array(frameBytes), width, height, channels: 3, index: 0, timestampS: 0 };
  const rateOut = fps ?? info.fps;
  let filled = 0;
  let count = 0;
  let failure: unknown = null;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - off);
        frame.data.set(chunk.subarray(off, off + n), filled);
        filled += n;
        off += n;
        if (filled === frameBytes) {
          frame.index = count;
          frame.timestampS = rateOut > 0 ? count / rateOut : Number.NaN;
          await options.onFrame(frame);
          count++;
          filled = 0;
          if (signal?.aborted) break;
        }
      }
      if (signal?.aborted) break;
    }
  } catch (err) {
    failure = err;
  } finally {
    if (failure !== null || signal?.aborted) kill();
  }
  const code = await closed;
  signal?.removeEventListener('abort', kill);
  if (spawnErr) throw spawnError(bin, spawnErr);
  if (signal?.aborted) throw new VideoError('aborted', 'video reading was cancelled', { cause: signal.reason });
  if (failure !== null) throw failure;
  if (code !== 0) {
    const why = stderr.trim().split('\n').pop() ?? `exit code ${code}`;
    throw new VideoError('unreadable', `ffmpeg could not decode ${path}: ${why}`);
  }
  if (count === 0) throw new VideoError('no_frames', `${path} gave no frames`);
  return { frameCount: count, width, height, info };
}
