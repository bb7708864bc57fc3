import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DEPTH_FAMILIES, ManifestSchema, needsResearchMode } from '../../main/common/models.js';
import { loadManifest, parseManifest, researchModeFromEnv } from '../../main/models/manifest.js';
import { modelManifestPath, packageRoot } from '../../main/paths.js';
import { SHARED_DATA } from '../helpers/rgbd.js';

const MANIFEST = path.join(packageRoot(), 'resources', 'models', 'manifest.json');
// ../shared/models beside the checkout, or beside $SPATIALFORGE_SHARED_DATA (…/shared/data).
const CATALOG = path.join(path.dirname(SHARED_DATA), 'models', 'catalog.json');

interface CatalogEntry {
  id: string;
  url: string | null;
  bytes: number | null;
  sha256: string | null;
  weights_license: string | null;
  commercial_ok: boolean | null;
  inputs: { name: string; shape: (string | number)[]; dtype: string }[];
  outputs: { name: string | null; shape: (string | number)[] | null; meaning: string; units: string }[];
  notes: string;
  sources: string[];
}

describe('resources/models/manifest.json', () => {
  const raw: unknown = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));

  test('parses with ManifestSchema; ids are unique; each family has a model', () => {
    const manifest = ManifestSchema.parse(raw);
    const ids = manifest.models.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const family of DEPTH_FAMILIES)
      assert.ok(
        manifest.models.some((m) => m.family === family),
        family,
      );
    for (const m of manifest.models) {
      assert.ok(
        m.outputs.some((o) => o.name === m.output.primary),
        `${m.id}: primary output ${m.output.primary} is listed`,
      );
      if (m.url !== null) assert.notEqual(m.sha256, null, `${m.id}: a downloadable model has a hash to check`);
    }
  });

  test('loadManifest finds the bundled file and agrees with a direct parse', () => {
    assert.equal(modelManifestPath(), MANIFEST);
    assert.deepEqual(loadManifest(), ManifestSchema.parse(raw));
  });

  test('a broken manifest is a clear error naming the place', () => {
    assert.throws(
      () => parseManifest({ schema: 1, models: [{ id: 'x' }] }, 'm.json'),
      /m\.json is not a valid model manifest at models\.0\./,
    );
    const good = ManifestSchema.parse(raw);
    const twice = { schema: 1, models: [good.models[0], good.models[0]] };
    assert.throws(() => parseManifest(twice, 'm.json'), /lists model depth-anything-v2-small-fp32 twice/);
    assert.throws(() => loadManifest('/nonexistent/manifest.json'), /cannot read the model manifest \/nonexistent/);
  });

  test('research mode comes from SPATIALFORGE_RESEARCH_MODE', () => {
    assert.equal(researchModeFromEnv({ SPATIALFORGE_RESEARCH_MODE: '1' }), true);
    assert.equal(researchModeFromEnv({ SPATIALFORGE_RESEARCH_MODE: '0' }), false);
    assert.equal(researchModeFromEnv({}), false);
  });

  test('licence gate: only commercial_use true is free of research mode', () => {
    const byId = new Map(ManifestSchema.parse(raw).models.map((m) => [m.id, m]));
    assert.equal(needsResearchMode(byId.get('depth-anything-v2-small-fp32')!), false);
    assert.equal(needsResearchMode(byId.get('metric3d-v2-vit-small-fp16')!), true); // unclear
    assert.equal(needsResearchMode(byId.get('pydnet-pp-448x640-local')!), true); // research only
  });

  test('every carried fact equals ../shared/models/catalog.json', (t) => {
    if (!fs.existsSync(CATALOG)) {
      t.skip(`${CATALOG} is absent: cannot compare the manifest with the catalog`);
      return;
    }
    const catalog = new Map((JSON.parse(fs.readFileSync(CATALOG, 'utf8')) as CatalogEntry[]).map((c) => [c.id, c]));
    const manifest = ManifestSchema.parse(raw);
    for (const m of manifest.models) {
      const c = catalog.get(m.id);
      assert.ok(c, `${m.id} is in the catalog`);
      assert.equal(m.url, c.url, `${m.id} url`);
      assert.equal(m.bytes, c.bytes, `${m.id} bytes`);
      assert.equal(m.sha256, c.sha256, `${m.id} sha256`);
      assert.equal(m.commercial_use, c.commercial_ok, `${m.id} commercial use`);
      if (c.weights_license !== null) assert.equal(m.license, c.weights_license, `${m.id} licence`);
      assert.ok(m.notes.startsWith(c.notes), `${m.id} keeps the catalog's notes`);
      assert.deepEqual(m.sources, c.sources, `${m.id} sources`);
      assert.deepEqual(
        m.inputs.map((i) => [i.name, i.shape, i.dtype]),
        c.inputs.map((i) => [i.name, i.shape, i.dtype.split(' ')[0]]),
        `${m.id} inputs`,
      );
      assert.equal(m.outputs.length, c.outputs.length, `${m.id} output count`);
      m.outputs.forEach((o, k) => {
        const co = c.outputs[k]!;
        assert.equal(o.meaning, co.meaning, `${m.id} output ${k} meaning`);
        assert.equal(o.units, co.units, `${m.id} output ${k} units`);
        if (co.name === null) {
          // The catalog does not know the name: the manifest's is a convention, and must say so.
          assert.match(m.notes, /NOT confirmed/, `${m.id} says its output name is unconfirmed`);
        } else assert.deepEqual([o.name, o.shape], [co.name, co.shape], `${m.id} output ${k}`);
      });
    }
  });
});
