import path from 'node:path';
import type { DeepLink } from '../common/ipc.js';
import { isWorkspaceId } from '../common/workspaces.js';

export const PROTOCOL = 'spatialforge';

/**
 * Reads a `spatialforge://` link. Two forms are understood; everything else (other schemes,
 * credentials, unknown actions, extra or malformed parameters) is refused with null:
 * - `spatialforge://open/<workspace>` — bring the window forward on that workspace;
 * - `spatialforge://activate?key=<licence key>` — licence activation (the key is only passed on:
 *   the licence page validates it with the core).
 */
export function parseDeepLink(raw: string): DeepLink | null {
  if (raw.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== `${PROTOCOL}:` || url.username || url.password || url.port) return null;
  // Non-special schemes parse `spatialforge://open/depth` as host `open`, path `/depth`.
  const action = url.hostname.toLowerCase();
  const rest = url.pathname.replace(/\/+$/, '');
  if (action === 'open') {
    const workspace = rest.replace(/^\//, '');
    if (url.search || !isWorkspaceId(workspace)) return null;
    return { action: 'open', workspace };
  }
  if (action === 'activate') {
    const keys = [...url.searchParams.keys()];
    const key = url.searchParams.get('key');
    if (rest || keys.length !== 1 || !key || !/^[A-Za-z0-9_-]{8,200}$/.test(key)) return null;
    return { action: 'activate', licenseKey: key };
  }
  return null;
}

/**
 * On Windows and Linux a link arrives as a command-line argument (of the first launch, or of the
 * second instance that the single-instance lock turns away); the first one that parses wins.
 */
export function deepLinkFromArgv(argv: readonly string[]): DeepLink | null {
  for (const arg of argv) {
    if (!arg.toLowerCase().startsWith(`${PROTOCOL}:`)) continue;
    const link = parseDeepLink(arg);
    if (link) return link;
  }
  return null;
}

/**
 * The arguments for `app.setAsDefaultProtocolClient`: a packaged app registers itself; a
 * development run (`electron .`) must name its entry script, or the OS would start bare Electron.
 */
export function protocolClientArgs(proc: { defaultApp?: boolean; execPath: string; argv: readonly string[] }): {
  protocol: string;
  path?: string;
  args?: string[];
} {
  if (proc.defaultApp && proc.argv[1]) {
    return { protocol: PROTOCOL, path: proc.execPath, args: [path.resolve(proc.argv[1])] };
  }
  return { protocol: PROTOCOL };
}
