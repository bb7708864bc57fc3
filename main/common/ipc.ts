import { z } from 'zod';

/**
 * The IPC contract between the preload bridge and the Electron main process. Every channel is
 * prefixed `spatialforge:`; main parses each request with its schema and answers a `Result`.
 */
export const ipcContract = {
  'spatialforge:core-info': {
    request: z.undefined(),
    response: z.object({ url: z.string().url(), token: z.string() }),
  },
  'spatialforge:open-external': {
    request: z.object({ url: z.string().max(2048) }),
    response: z.object({ opened: z.boolean() }),
  },
} as const;

export type IpcChannel = keyof typeof ipcContract;
export type IpcRequest<C extends IpcChannel> = z.input<(typeof ipcContract)[C]['request']>;
export type IpcResponse<C extends IpcChannel> = z.output<(typeof ipcContract)[C]['response']>;
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** What `window.spatialforge` offers the renderer: task-shaped methods, no raw IPC. */
export interface SpatialForgeBridge {
  /** The core's URL and this launch's token. */
  coreInfo(): Promise<IpcResult<IpcResponse<'spatialforge:core-info'>>>;
  /** Opens an http(s) link in the user's browser. */
  openExternal(url: string): Promise<IpcResult<IpcResponse<'spatialforge:open-external'>>>;
}
