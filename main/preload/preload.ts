import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { COMMAND_CHANNEL, type AppCommand } from '../common/commands.js';
import type { SpatialForgeBridge } from '../common/ipc.js';

// The one bridge into the renderer: task-shaped methods, never ipcRenderer itself.
const bridge: SpatialForgeBridge = {
  coreInfo: () => ipcRenderer.invoke('spatialforge:core-info'),
  openExternal: (url: string) => ipcRenderer.invoke('spatialforge:open-external', { url }),
  saveArtifact: (url: string, suggestedName: string) =>
    ipcRenderer.invoke('spatialforge:save-artifact', { url, suggestedName }),
  revealInFolder: (path: string) => ipcRenderer.invoke('spatialforge:reveal', { path }),
  onCommand: (listener: (command: AppCommand) => void) => {
    // The event object (with its sender) never reaches the page: only the command.
    const wrapped = (_event: IpcRendererEvent, command: AppCommand) => listener(command);
    ipcRenderer.on(COMMAND_CHANNEL, wrapped);
    return () => void ipcRenderer.removeListener(COMMAND_CHANNEL, wrapped);
  },
};

contextBridge.exposeInMainWorld('spatialforge', bridge);
