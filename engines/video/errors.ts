/** Why a video could not be read. `ffmpeg_missing` is the host's to fix; the others are the file's. */
export type VideoErrorCode = 'ffmpeg_missing' | 'unreadable' | 'no_video_stream' | 'no_frames' | 'aborted';

/** A video failure with a machine code and a message that can be shown to the user. */
export class VideoError extends Error {
  override readonly name = 'VideoError';
  constructor(
    readonly code: VideoErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
