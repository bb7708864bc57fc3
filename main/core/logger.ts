import pino, { type Logger } from 'pino';

/**
 * The core's structured JSON logger. Writes are buffered (4 KiB) and asynchronous, so logging a
 * request costs no system call on the request path; `flushLogger` runs on shutdown.
 */
export function createLogger(level: string, destination: number | string = 1): Logger {
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: destination, sync: false, minLength: 4096 }),
  );
}

export function flushLogger(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // Nothing more can be done with a log that cannot be written.
  }
}
