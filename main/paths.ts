import fs from 'node:fs';
import path from 'node:path';

/** The package root (the folder holding package.json), from a file inside it. */
export function packageRoot(from: string = import.meta.dirname): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'main'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(from, '..', '..');
    dir = parent;
  }
}

/** The built renderer, or null when it has not been built. */
export function rendererDir(root: string = packageRoot()): string | null {
  const dir = path.join(root, 'dist', 'renderer');
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : null;
}

/**
 * The model manifest (`resources/models/manifest.json`). From source (tsx) and from the bundle in
 * dist/main the package root holds `resources/`; in a packaged app `resources/models/**` is
 * unpacked next to the asar, so that copy is tried too.
 */
export function modelManifestPath(root: string = packageRoot()): string {
  const candidates = [
    path.join(root, 'resources', 'models', 'manifest.json'),
    path.join(root.replace(/\.asar$/, '.asar.unpacked'), 'resources', 'models', 'manifest.json'),
  ];
  return candidates.find((file) => fs.existsSync(file)) ?? candidates[0]!;
}
