import type { z } from 'zod';
import type { ArtifactRefSchema, DepthOutput } from '../../common/api/depthContract.js';
import type { DepthService, DepthResponse } from '../../engine-host/index.js';
import type { ArtifactStore } from '../../storage/artifactStore.js';
import type { ArtifactRow } from '../../db/repos/artifacts.js';
import type { Handlers } from '../routes.js';
import { artifactRef } from './artifactRef.js';

const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

export function depthHandlers(depth: DepthService, artifacts: ArtifactStore): Pick<Handlers, 'depth'> {
  const ref = (a: { row: ArtifactRow; contentType: string }) => artifactRef(artifacts, a);
  return {
    async depth({ body, file, principal, signal }) {
      const intrinsics =
        body.fx !== undefined && body.fy !== undefined && body.cx !== undefined && body.cy !== undefined
          ? { fx: body.fx, fy: body.fy, cx: body.cx, cy: body.cy }
          : body.focal_px !== undefined
            ? { focalPx: body.focal_px }
            : undefined;
      const r = await depth.estimate({
        image: file.data,
        modelId: body.model,
        intrinsics,
        outputs: body.outputs,
        ownerKeyId: principal?.kind === 'api_key' ? principal.keyId : null,
        name: file.filename,
        signal,
        transferImage: true, // the upload is this request's own buffer
      });
      const metric = r.result.metric;
      const out: Partial<Record<DepthOutput, z.output<typeof ArtifactRefSchema>>> = {};
      for (const [k, a] of Object.entries(r.artifacts) as [DepthOutput, DepthResponse['artifacts'][DepthOutput]][]) {
        if (a) out[k] = ref(a);
      }
      return {
        model: { id: r.entry.id, family: r.entry.family, provider: r.provider },
        image: {
          width: r.image.width,
          height: r.image.height,
          format: r.image.format,
          exif_orientation: r.image.orientation,
        },
        model_input: r.modelInput,
        depth: {
          kind: metric ? 'metric' : 'relative',
          units: metric ? 'm' : 'relative',
          grows_with_distance: true,
          scale_source: r.result.scaleSource,
          meaning: r.result.meaning,
        },
        intrinsics: {
          fx: r.intrinsics.fx,
          fy: r.intrinsics.fy,
          cx: r.intrinsics.cx,
          cy: r.intrinsics.cy,
          source: r.intrinsics.source,
          note: r.intrinsics.note,
        },
        stats: {
          min: finiteOrNull(r.result.stats.min),
          median: finiteOrNull(r.result.stats.median),
          max: finiteOrNull(r.result.stats.max),
          valid_fraction: r.result.stats.validFraction,
        },
        mask: {
          meaning:
            'valid where the model gave a usable depth (finite, positive, inside its range, model mask > 0.5 where it has one); NaN in the NPY, 0 in the PNG16 and black in the preview elsewhere',
        },
        png16: {
          units_per_count: 0.001,
          meaning: metric
            ? 'uint16 millimetres (value / 1000 = metres); 0 = invalid; clamped at 65.535 m'
            : 'uint16 relative depth × 1000 (1000 = the median depth); 0 = invalid',
        },
        artifacts: out,
        timings_ms: {
          decode: round(r.timingsMs.decode),
          inference: round(r.timingsMs.inference),
          postprocess: round(r.timingsMs.postprocess),
          store: round(r.timingsMs.store),
          total: round(r.timingsMs.total),
        },
      };
    },
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;
