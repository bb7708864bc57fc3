// Commands main sends the renderer. No zod here: the sandboxed preload imports this file.
import type { WorkspaceId } from './workspaces.js';

/** The one channel main sends on: menu choices and deep links, for the renderer to act on. */
export const COMMAND_CHANNEL = 'spatialforge:command';

/** A `spatialforge://` link the app was opened with (see main/app/protocol.ts). */
export type DeepLink = { action: 'open'; workspace: WorkspaceId } | { action: 'activate'; licenseKey: string };

export type AppCommand =
  | { type: 'workspace'; id: WorkspaceId }
  | { type: 'open-files' }
  | { type: 'toggle-theme' }
  | { type: 'show-shortcuts' }
  | { type: 'deep-link'; link: DeepLink };
