import fs from 'node:fs';
import { AppError } from '../../common/errors.js';
import type { ArtifactId } from '../../common/ids.js';
import type { ArtifactStore } from '../../storage/artifactStore.js';
import type { Principal } from '../principal.js';
import type { Handlers } from '../routes.js';

/** A key may reach only the artifacts it created; the desktop (admin) may reach all. */
function assertOwner(principal: Principal | null, ownerKeyId: string | null, id: string): void {
  if (principal?.kind === 'signed' || principal?.plan === 'admin') return;
  if (principal?.kind === 'api_key' && principal.keyId === ownerKeyId) return;
  // Same answer as an unknown id: do not reveal that someone else's artifact exists.
  throw new AppError('not_found', `artifact ${id} does not exist`);
}

export function artifactHandlers(store: ArtifactStore): Pick<Handlers, 'getArtifact' | 'linkArtifact'> {
  return {
    getArtifact({ params, principal }) {
      const { row, file } = store.resolve(params.id as ArtifactId);
      assertOwner(principal, row.ownerKeyId, row.id);
      return {
        raw: true,
        contentType: row.contentType,
        body: fs.createReadStream(file),
        length: row.sizeBytes,
        headers: {
          'Content-Disposition': `attachment; filename="${row.filename}"`,
          ETag: `"${row.sha256}"`,
          'Cache-Control': 'private, max-age=0',
        },
      };
    },
    linkArtifact({ params, body, principal }) {
      const { row } = store.resolve(params.id as ArtifactId);
      assertOwner(principal, row.ownerKeyId, row.id);
      const expiresAtMs = Math.min(Date.now() + body.ttl_s * 1000, row.expiresAt);
      const { sig, exp } = store.sign(row.id, expiresAtMs);
      return {
        url: `/v1/artifacts/${row.id}?sig=${encodeURIComponent(sig)}&exp=${exp}`,
        expires_at: new Date(Number(exp) * 1000).toISOString(),
      };
    },
  };
}
