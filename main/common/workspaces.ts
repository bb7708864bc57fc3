/**
 * The renderer's workspaces, in sidebar order. Shared with the Electron main process, whose
 * application menu offers the same list (with Ctrl/Cmd+1…7) as the renderer's single-key shortcuts.
 */
export const WORKSPACES = [
  { id: 'depth', label: 'Depth', key: 'D' },
  { id: 'measure', label: 'Measure', key: 'M' },
  { id: 'poses', label: 'Poses & 3-D', key: 'P' },
  { id: 'jobs', label: 'Jobs', key: 'J' },
  { id: 'models', label: 'Models', key: 'L' },
  { id: 'keys', label: 'API keys', key: 'K' },
  { id: 'settings', label: 'Settings', key: 'S' },
] as const;
export type WorkspaceId = (typeof WORKSPACES)[number]['id'];

export function isWorkspaceId(value: unknown): value is WorkspaceId {
  return WORKSPACES.some((w) => w.id === value);
}
