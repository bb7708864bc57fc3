import type { z } from 'zod';
import type { ArtifactRefSchema } from '../../common/api/depthContract.js';
import type { ArtifactRow } from '../../db/repos/artifacts.js';
import type { ArtifactStore } from '../../storage/artifactStore.js';

/** Signed download links in a result live this long (or until the artifact itself expires). */
export const RESULT_LINK_TTL_MS = 60 * 60_000;

/** A stored artifact as a result lists it: id, a signed link (path and query), size, type, name. */
export function artifactRef(
  artifacts: ArtifactStore,
  a: { row: ArtifactRow; contentType: string },
  now = Date.now(),
): z.output<typeof ArtifactRefSchema> {
  const { sig, exp } = artifacts.sign(a.row.id, Math.min(now + RESULT_LINK_TTL_MS, a.row.expiresAt));
  return {
    id: a.row.id,
    url: `/v1/artifacts/${a.row.id}?sig=${encodeURIComponent(sig)}&exp=${exp}`,
    expires_at: new Date(Number(exp) * 1000).toISOString(),
    bytes: a.row.sizeBytes,
    content_type: a.contentType,
    filename: a.row.filename,
  };
}

/**
 * A link that lives as long as the artifact itself: for job results, which are read for as long as
 * the job is kept (both default to 24 h) rather than right after the request.
 */
export function artifactRefUntilExpiry(
  artifacts: ArtifactStore,
  row: ArtifactRow,
  contentType: string,
): z.output<typeof ArtifactRefSchema> {
  const { sig, exp } = artifacts.sign(row.id, row.expiresAt);
  return {
    id: row.id,
    url: `/v1/artifacts/${row.id}?sig=${encodeURIComponent(sig)}&exp=${exp}`,
    expires_at: new Date(Number(exp) * 1000).toISOString(),
    bytes: row.sizeBytes,
    content_type: contentType,
    filename: row.filename,
  };
}
