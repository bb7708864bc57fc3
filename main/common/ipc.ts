import { z } from 'zod';
import type { AppCommand } from './commands.js';
import { WORKSPACES, type WorkspaceId } from './workspaces.js';

export { COMMAND_CHANNEL, type AppCommand, type DeepLink } from './commands.js';

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
  'spatialforge:save-artifact': {
    // `url` is an artifact link the core gave the renderer (a path, or an absolute URL of the core's origin).
    request: z.strictObject({ url: z.string().min(1).max(2048), suggestedName: z.string().min(1).max(255) }),
    response: z.object({ saved: z.boolean(), path: z.string().nullable(), bytes: z.number().int().nonnegative() }),
  },
  'spatialforge:reveal': {
    // Only a path this launch saved may be shown in its folder.
    request: z.strictObject({ path: z.string().min(1).max(4096) }),
    response: z.object({ revealed: z.boolean() }),
  },
} as const;

export type IpcChannel = keyof typeof ipcContract;
export type IpcRequest<C extends IpcChannel> = z.input<(typeof ipcContract)[C]['request']>;
export type IpcResponse<C extends IpcChannel> = z.output<(typeof ipcContract)[C]['response']>;
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

const WorkspaceIdSchema = z.enum(WORKSPACES.map((w) => w.id) as [WorkspaceId, ...WorkspaceId[]]);

/** The renderer parses every command it is sent with this before acting on it. */
export const AppCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('workspace'), id: WorkspaceIdSchema }),
  z.object({ type: z.literal('open-files') }),
  z.object({ type: z.literal('toggle-theme') }),
  z.object({ type: z.literal('show-shortcuts') }),
  z.object({
    type: z.literal('deep-link'),
    link: z.discriminatedUnion('action', [
      z.object({
        action: z.literal('open'),
        workspace: WorkspaceIdSchema,
      }),
      z.object({ action: z.literal('activate'), licenseKey: z.string().max(200) }),
    ]),
  }),
]);

/** What `window.spatialforge` offers the renderer: task-shaped methods, no raw IPC. */
export interface SpatialForgeBridge {
  /** The core's URL and this launch's token. */
  coreInfo(): Promise<IpcResult<IpcResponse<'spatialforge:core-info'>>>;
  /** Opens an http(s) link in the user's browser. */
  openExternal(url: string): Promise<IpcResult<IpcResponse<'spatialforge:open-external'>>>;
  /** Asks where to save an artifact (the native save dialog), then writes it there. */
  saveArtifact(url: string, suggestedName: string): Promise<IpcResult<IpcResponse<'spatialforge:save-artifact'>>>;
  /** Shows a file this launch saved in the system's file manager. */
  revealInFolder(path: string): Promise<IpcResult<IpcResponse<'spatialforge:reveal'>>>;
  /** Calls `listener` for each menu choice or deep link; returns the function that stops it. */
  onCommand(listener: (command: AppCommand) => void): () => void;
}
