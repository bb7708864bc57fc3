import crypto from 'node:crypto';
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell, utilityProcess } from 'electron';
import { COMMAND_CHANNEL, type AppCommand, type DeepLink } from '../common/ipc.js';
import { registerIpcHandlers } from '../ipc/handlers.js';
import { startCoreProcess, type CoreHandle } from './coreProcess.js';
import { menuTemplate } from './menu.js';
import { deepLinkFromArgv, parseDeepLink, protocolClientArgs } from './protocol.js';
import { hardenWebContents, refusePermissions, windowOptions } from './security.js';

// The Electron main process stays thin: lifecycle, one window, menu, deep links, IPC. The core runs elsewhere.
const here = import.meta.dirname;
let core: CoreHandle | null = null;
let window: BrowserWindow | null = null;
// A link that arrived before the window could take it (the launch's own, or macOS's early open-url).
let pendingLink: DeepLink | null = deepLinkFromArgv(process.argv);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  const client = protocolClientArgs(process);
  app.setAsDefaultProtocolClient(client.protocol, client.path, client.args);
  app.on('second-instance', (_event, argv) => {
    const link = deepLinkFromArgv(argv);
    if (link) deliverLink(link);
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    const link = parseDeepLink(url);
    if (link) deliverLink(link);
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => core?.process.kill());
  app.whenReady().then(launch).catch(fail);
}

async function launch(): Promise<void> {
  refusePermissions(session.defaultSession);
  core = await startCoreProcess((entry, args, options) => utilityProcess.fork(entry, args, options), {
    entry: path.join(here, 'core.js'),
    token: crypto.randomBytes(24).toString('base64url'),
  });
  const coreUrl = core.url;
  const appOrigin = new URL(coreUrl).origin;
  const info = { url: coreUrl, token: core.token };
  const openExternal = (url: string) => void shell.openExternal(url);
  registerIpcHandlers(ipcMain, {
    appOrigin,
    coreInfo: () => info,
    openExternal: (url) => shell.openExternal(url),
    chooseSavePath: async (suggestedName) => {
      const options = { defaultPath: path.join(app.getPath('downloads'), suggestedName) };
      const choice = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
      return choice.canceled || !choice.filePath ? null : choice.filePath;
    },
    showItemInFolder: (file) => shell.showItemInFolder(file),
  });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate({
        isMac: process.platform === 'darwin',
        appName: app.name,
        send,
        openDocs: () => openExternal(`${coreUrl}/docs`),
      }),
    ),
  );
  window = new BrowserWindow(windowOptions(path.join(here, '..', 'preload', 'preload.cjs')));
  hardenWebContents(window.webContents, appOrigin, openExternal);
  window.once('ready-to-show', () => window?.show());
  window.webContents.once('did-finish-load', () => {
    if (pendingLink) send({ type: 'deep-link', link: pendingLink });
    pendingLink = null;
  });
  await window.loadURL(coreUrl + '/');
}

function send(command: AppCommand): void {
  window?.webContents.send(COMMAND_CHANNEL, command);
}

function deliverLink(link: DeepLink): void {
  if (window && !window.webContents.isLoading()) send({ type: 'deep-link', link });
  else pendingLink = link;
}

function fail(err: unknown): void {
  dialog.showErrorBox('SpatialForge could not start', err instanceof Error ? err.message : String(err));
  app.quit();
}
