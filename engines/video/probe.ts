import { VideoError } from './errors.js';
import { ffprobeBin, run, type FfmpegPaths } from './ffmpeg.js';

/** What {@link probeVideo} reports about a file's first video stream. */
export interface VideoInfo {
  /** Displayed size, px: the coded size with the rotation applied (what readFrames delivers at full size). */
  width: number;
  height: number;
  /** Size of the frames as stored, px, before rotation. */
  codedWidth: number;
  codedHeight: number;
  /** Clockwise rotation the player applies to the stored frames, degrees: 0, 90, 180 or 270. */
  rotationDeg: 0 | 90 | 180 | 270;
  /** Average frame rate, frames per second (NaN if the container does not say). */
  fps: number;
  /** Duration, seconds (NaN if unknown). */
  durationS: number;
  /** Frame count from the container, when it records one. */
  frameCount?: number;
  /** Codec name as ffmpeg spells it (h264, hevc, vp9, …). */
  codec: string;
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  tags?: Record<string, string>;
  side_data_list?: { side_data_type?: string; rotation?: number }[];
}

function rate(s: string | undefined): number {
  if (!s) return Number.NaN;
  const [n, d] = s.split('/').map(Number);
  return n !== undefined && d !== undefined && d > 0 && n > 0 ? n / d : Number.NaN;
}

/**
 * The clockwise display rotation: the display matrix side data (whose `rotation` is counter-
 * clockwise, as av_display_rotation_get returns it) wins over the legacy `rotate` tag (clockwise).
 */
export function rotationFromProbe(stream: {
  tags?: Record<string, string>;
  side_data_list?: { side_data_type?: string; rotation?: number }[];
}): 0 | 90 | 180 | 270 {
  let deg = 0;
  const dm = stream.side_data_list?.find(
    (s) => s.side_data_type === 'Display Matrix' && typeof s.rotation === 'number',
  );
  if (dm) deg = -dm.rotation!;
  else if (stream.tags?.rotate !== undefined) deg = Number(stream.tags.rotate) || 0;
  const q = ((Math.round(deg / 90) % 4) + 4) % 4;
  return (q * 90) as 0 | 90 | 180 | 270;
}

/**
 * Probes a video file with ffprobe: size (displayed and coded), rotation, frame rate, duration,
 * frame count and codec of the first video stream. Throws VideoError: `ffmpeg_missing` when
 * ffprobe is not installed, `unreadable` when the file is not a media file ffmpeg can open,
 * `no_video_stream` when it has no video. Spawns one process; no temporary files.
 */
export async function probeVideo(
  path: string,
  options: FfmpegPaths & { signal?: AbortSignal } = {},
): Promise<VideoInfo> {
  const bin = ffprobeBin(options);
  const args = ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', '--', path];
  const r = await run(bin, args, options.signal);
  if (r.code !== 0)
    throw new VideoError(
      'unreadable',
      `cannot read ${path} as a video: ${r.stderr.trim().split('\n').pop() ?? 'ffprobe failed'}`,
    );
  let parsed: { streams?: ProbeStream[]; format?: { duration?: string } };
  try {
    parsed = JSON.parse(r.stdout) as typeof parsed;
  } catch (err) {
    throw new VideoError('unreadable', `ffprobe gave unreadable output for ${path}`, { cause: err });
  }
  const s = parsed.streams?.find((x) => x.codec_type === 'video' && (x.width ?? 0) > 0);
  if (!s) throw new VideoError('no_video_stream', `${path} has no video stream`);
  const codedWidth = s.width!;
  const codedHeight = s.height ?? 0;
  const rotationDeg = rotationFromProbe(s);
  const swap = rotationDeg === 90 || rotationDeg === 270;
  const fps = rate(s.avg_frame_rate) || rate(s.r_frame_rate);
  const durationS = Number(s.duration ?? parsed.format?.duration ?? Number.NaN);
  const info: VideoInfo = {
    width: swap ? codedHeight : codedWidth,
    height: swap ? codedWidth : codedHeight,
    codedWidth,
    codedHeight,
    rotationDeg,
    fps,
    durationS: Number.isFinite(durationS) ? durationS : Number.NaN,
    codec: s.codec_name ?? 'unknown',
  };
  const nb = Number(s.nb_frames);
  if (Number.isInteger(nb) && nb > 0) info.frameCount = nb;
  return info;
}
