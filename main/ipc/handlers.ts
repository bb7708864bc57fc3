import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { ipcContract, type IpcChannel, type IpcResponse, type IpcResult } from '../common/ipc.js';
import { isSafeExternalUrl } from './urls.js';

export interface IpcDeps {
  /** Origin the app's own pages are served from (the core's URL). */
  appOrigin: string;
  coreInfo: () => { url: string; token: string };
  openExternal: (url: string) => Promise<void>;
}

type Handler<C extends IpcChannel> = (request: unknown) => Promise<IpcResponse<C>> | IpcResponse<C>;

/**
 * Registers every IPC channel. Each handler first checks that the sender is a frame of our own
 * origin (not a navigated-away page or an injected iframe), then parses its input with the
 * channel's schema, and always answers `{ok, value}` or `{ok:false, error}`.
 */
export function registerIpcHandlers(ipcMain: Pick<IpcMain, 'handle'>, deps: IpcDeps): void {
  const handlers: { [C in IpcChannel]: Handler<C> } = {
    'spatialforge:core-info': () => deps.coreInfo(),
    'spatialforge:open-external': async (request) => {
      const { url } = ipcContract['spatialforge:open-external'].request.parse(request);
      if (!isSafeExternalUrl(url)) return { opened: false };
      await deps.openExternal(url);
      return { opened: true };
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
        return { ok: false, error: { code: 'internal_error', message: (err as Error).message } };
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
