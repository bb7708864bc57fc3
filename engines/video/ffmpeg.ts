import { spawn } from 'node:child_process';
import { VideoError } from './errors.js';

/**
 * ffmpeg and ffprobe run as child processes with their output piped back — no temporary files.
 * (fluent-ffmpeg is not used: the lint boundary forbids it in engines/, and it adds nothing for
 * two fixed command lines.)
 */
export interface FfmpegPaths {
  /** ffmpeg executable (default `$FFMPEG_PATH` or `ffmpeg` on the PATH). */
  ffmpegPath?: string;
  /** ffprobe executable (default `$FFPROBE_PATH` or `ffprobe` on the PATH). */
  ffprobePath?: string;
}

export const ffmpegBin = (p: FfmpegPaths): string => p.ffmpegPath ?? process.env.FFMPEG_PATH ?? 'ffmpeg';
export const ffprobeBin = (p: FfmpegPaths): string => p.ffprobePath ?? process.env.FFPROBE_PATH ?? 'ffprobe';

/** The error for a spawn failure: ENOENT means the executable is not installed. */
export function spawnError(bin: string, err: NodeJS.ErrnoException): VideoError {
  if (err.code === 'ENOENT')
    return new VideoError(
      'ffmpeg_missing',
      `${bin} was not found: install ffmpeg (it provides ffmpeg and ffprobe) or set FFMPEG_PATH/FFPROBE_PATH`,
      { cause: err },
    );
  return new VideoError('unreadable', `could not run ${bin}: ${err.message}`, { cause: err });
}

/** Runs a program to completion, collecting stdout and the tail of stderr. */
export function run(
  bin: string,
  args: string[],
  signal?: AbortSignal,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.name === 'AbortError') reject(new VideoError('aborted', 'video probing was cancelled', { cause: err }));
      else reject(spawnError(bin, err));
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
