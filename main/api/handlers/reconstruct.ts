import type { ReconstructService } from '../../engine-host/reconService.js';
import { knownScaleOf } from '../../common/api/reconstructContract.js';
import { jobView } from '../../jobs/view.js';
import type { Handlers } from '../routes.js';

export function reconstructHandlers(recon: ReconstructService): Pick<Handlers, 'reconstruct'> {
  return {
    async reconstruct({ body, files, principal, ctx }) {
      const row = await recon.submit({
        files,
        preset: body.preset,
        model: body.model,
        intrinsics:
          body.fx !== undefined && body.fy !== undefined && body.cx !== undefined && body.cy !== undefined
            ? { fx: body.fx, fy: body.fy, cx: body.cx, cy: body.cy }
            : body.focal_px !== undefined
              ? { focalPx: body.focal_px }
              : undefined,
        knownScale: knownScaleOf(body),
        webhookUrl: body.webhook_url,
        ownerKeyId: principal?.kind === 'api_key' ? principal.keyId : null,
      });
      ctx.set('Location', `/v1/jobs/${row.id}`);
      return jobView(row);
    },
  };
}
