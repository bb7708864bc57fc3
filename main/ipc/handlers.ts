import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { ipcContract, type IpcChannel, type IpcResponse, type IpcResult } from '../common/ipc.js';
import { artifactUrl, downloadArtifact, safeFileName } from './saveArtifact.js';
import { isSafeExternalUrl } from './urls.js';

export interface IpcDeps {
  /** Origin the app's own pages are served from (the core's URL). */
  appOrigin: string;
  coreInfo: () => { url: string; token: string };
  openExternal: (url: string) => Promise<void>;
  /** The native save dialog: the chosen path, or null when the user cancelled. */
  chooseSavePath: (suggestedName: string) => Promise<string | null>;
  /** Shows a file in the system's file manager (`shell.showItemInFolder`). */
  showItemInFolder: (path: string) => void;
  fetch?: typeof fetch;
}

type Handler<C extends IpcChannel> = (request: unknown) => Promise<IpcResponse<C>> | IpcResponse<C>;

/**
 * Registers every IPC channel. Each handler first checks that the sender is a frame of our own
 * origin (not a navigated-away page or an injected iframe), then parses its input with the
 * channel's schema, and always answers `{ok, value}` or `{ok:false, error}`.
 */
export function registerIpcHandlers(ipcMain: Pick<IpcMain, 'handle'>, deps: IpcDeps): void {
  // What this launch saved: the only paths `reveal` shows, so a page cannot probe the file system.
  const saved = new Set<string>();
  const handlers: { [C in IpcChannel]: Handler<C> } = {
    'spatialforge:core-info': () => deps.coreInfo(),
    'spatialforge:open-external': async (request) => {
      const { url } = ipcContract['spatialforge:open-external'].request.parse(request);
      if (!isSafeExternalUrl(url)) return { opened: false };
      await deps.openExternal(url);
      return { opened: true };
    },
    'spatialforge:save-artifact': async (request) => {
      const { url, suggestedName } = ipcContract['spatialforge:save-artifact'].request.parse(request);
      const { url: coreUrl, token } = deps.coreInfo();
      const source = artifactUrl(url, coreUrl);
      if (!source) throw new IpcError('invalid_url', 'Only artifacts of this app can be saved.');
      const destination = await deps.chooseSavePath(safeFileName(suggestedName));
      if (!destination) return { saved: false, path: null, bytes: 0 };
      const bytes = await downloadArtifact(source, destination, { token, fetch: deps.fetch ?? fetch });
      saved.add(destination);
      return { saved: true, path: destination, bytes };
    },
    'spatialforge:reveal': (request) => {
      const { path } = ipcContract['spatialforge:reveal'].request.parse(request);
      if (!saved.has(path)) return { revealed: false };
      deps.showItemInFolder(path);
      return { revealed: true };
    },
  };
  for (const channel of Object.keys(handlers) as IpcChannel[]) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, request: unknown): Promise<IpcResult<unknown>> => {
      if (!isTrustedSender(event, deps.appOrigin)) {
        return { ok: false, error: { code: 'forbidden', message: 'IPC from an untrusted frame' } };
      }
      const parsedRequest = ipcContract[channel].request.safeParse(request);
      if (!parsedRequest.success) {
        return {
          ok: false,
          error: { code: 'validation_failed', message: parsedRequest.error.issues[0]?.message ?? 'invalid' },
        };
      }
      try {
        return { ok: true, value: await handlers[channel](request) };
      } catch (err) {
        const code = err instanceof IpcError ? err.code : 'internal_error';
        return { ok: false, error: { code, message: (err as Error).message } };
      }
    });
  }
}

export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, appOrigin: string): boolean {
  const url = event.senderFrame?.url;
  if (!url) return false;
  try {
    return new URL(url).origin === appOrigin;
  } catch {
    return false;
  }
}

/** A refusal with its own machine-readable code (anything else answers `internal_error`). */
class IpcError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
