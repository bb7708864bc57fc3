import { contextBridge, ipcRenderer } from 'electron';
import type { SpatialForgeBridge } from '../common/ipc.js';

// The one bridge into the renderer: task-shaped methods, never ipcRenderer itself.
const bridge: SpatialForgeBridge = {
  coreInfo: () => ipcRenderer.invoke('spatialforge:core-info'),
  openExternal: (url: string) => ipcRenderer.invoke('spatialforge:open-external', { url }),
};

contextBridge.exposeInMainWorld('spatialforge', bridge);
