import fs from 'node:fs';
import { ManifestSchema, type Manifest } from '../common/models.js';
import { modelManifestPath } from '../paths.js';

/** `SPATIALFORGE_RESEARCH_MODE=1` allows research-only and unclear weights (see `needsResearchMode`). */
export const RESEARCH_MODE_ENV = 'SPATIALFORGE_RESEARCH_MODE';
/** A manifest file to use instead of the bundled one (a mirror, an offline install, tests). */
export const MANIFEST_ENV = 'SPATIALFORGE_MODEL_MANIFEST';

export function researchModeFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env[RESEARCH_MODE_ENV]?.trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}

/**
 * Parses a manifest: the schema of `main/common/models.ts`, plus unique ids. Throws an `Error`
 * naming the file and the first problem.
 */
export function parseManifest(value: unknown, source = 'manifest'): Manifest {
  const result = ManifestSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.map(String).join('.')}` : '';
    throw new Error(`${source} is not a valid model manifest${where}: ${issue?.message ?? 'invalid'}`);
  }
  const seen = new Set<string>();
  for (const m of result.data.models) {
    if (seen.has(m.id)) throw new Error(`${source} lists model ${m.id} twice`);
    seen.add(m.id);
  }
  return result.data;
}

/** Reads and checks the manifest: `file`, else the bundled `resources/models/manifest.json`. */
export function loadManifest(file: string = modelManifestPath()): Manifest {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the model manifest ${file}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`the model manifest ${file} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseManifest(json, `the model manifest ${file}`);
}

export type { Manifest };
