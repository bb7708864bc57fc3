import type { z } from 'zod';
import type { MeasureFieldsSchema, MeasureResultSchema } from '../../common/api/measureContract.js';
import { REFERENCE_OBJECTS } from '../../common/api/measureContract.js';
import type { DepthSample } from '../../../engines/measure/index.js';
import type { DepthService, MeasureRequest, MeasureResponse } from '../../engine-host/index.js';
import type { Handlers } from '../routes.js';

type Fields = z.output<typeof MeasureFieldsSchema>;
type Result = z.output<typeof MeasureResultSchema>;

/** The request's form fields → the engine's request (the schema already checked their combinations). */
export function measureRequest(body: Fields, image: Uint8Array, signal?: AbortSignal): MeasureRequest {
  let reference: MeasureRequest['reference'];
  if (body.reference === 'length') {
    reference = { kind: 'length', a: body.reference_from!, b: body.reference_to!, lengthM: body.reference_length_m! };
  } else if (body.reference !== undefined) {
    const [widthM, heightM] =
      body.reference === 'custom'
        ? (body.reference_size_m as [number, number])
        : [REFERENCE_OBJECTS[body.reference].widthM, REFERENCE_OBJECTS[body.reference].heightM];
    const label = body.reference === 'custom' ? 'custom rectangle' : REFERENCE_OBJECTS[body.reference].label;
    reference = { kind: 'rectangle', corners: body.reference_corners!, widthM, heightM, label };
  }
  const full = body.fx !== undefined && body.fy !== undefined && body.cx !== undefined && body.cy !== undefined;
  return {
    image,
    modelId: body.model,
    intrinsics: full
      ? { fx: body.fx!, fy: body.fy!, cx: body.cx!, cy: body.cy! }
      : body.focal_px !== undefined
        ? { focalPx: body.focal_px }
        : undefined,
    distortion: body.distortion,
    p1: body.from,
    p2: body.to,
    reference,
    onPlane: body.on_plane === 'auto' ? 'auto' : body.on_plane === 'true',
    clickSigmaPx: body.click_sigma_px,
    ...(signal && { signal }),
  };
}

const sample = (s: DepthSample | null | undefined, usedM: number, sigmaM: number) =>
  s
    ? { depth_m: usedM, sigma_m: sigmaM, method: s.method, straddles_edge: s.straddlesEdge, window_px: s.windowPx }
    : null;

/** The engine's answer → the API's JSON (also what `spatialforge measure --json` prints). */
export function measureView(req: MeasureRequest, r: MeasureResponse): Result {
  const m = r.result.measurement;
  const ref = req.reference;
  return {
    distance_m: m.distanceM,
    sigma_m: m.sigmaM,
    scale_source: m.scaleSource,
    on_plane: m.onPlane,
    from: { pixel: req.p1, camera_m: m.p1Cam, depth: sample(m.depth?.[0], m.depthUsedM[0], m.depthSigmaM[0]) },
    to: { pixel: req.p2, camera_m: m.p2Cam, depth: sample(m.depth?.[1], m.depthUsedM[1], m.depthSigmaM[1]) },
    reference: !ref
      ? null
      : ref.kind === 'rectangle'
        ? { kind: ref.label, width_m: ref.widthM, height_m: ref.heightM }
        : { kind: 'known length', length_m: ref.lengthM },
    intrinsics: {
      fx: r.intrinsics.fx,
      fy: r.intrinsics.fy,
      cx: r.intrinsics.cx,
      cy: r.intrinsics.cy,
      source: r.intrinsics.source,
      note: r.intrinsics.note,
    },
    model: r.entry ? { id: r.entry.id, family: r.entry.family, provider: r.result.provider ?? 'cpu' } : null,
    image: { width: r.result.image.width, height: r.result.image.height, exif_orientation: r.result.image.orientation },
    uncertainty: { ...m.sigmaBreakdownM },
    notes: r.result.notes,
    timings_ms: { total: Math.round(r.result.timingsMs.total * 10) / 10 },
  };
}

export function measureHandlers(depth: DepthService): Pick<Handlers, 'measure'> {
  return {
    async measure({ body, file, signal }) {
      const req = { ...measureRequest(body, file.data, signal), transferImage: true }; // the upload is ours to give
      return measureView(req, await depth.measure(req));
    },
  };
}
