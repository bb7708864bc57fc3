import type { BufferGeometry } from 'three';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';

/**
 * Parses a PLY point cloud (ASCII or binary; xyz and optional rgb) and turns the core's camera
 * frame (OpenCV: x right, y down, z forward) into three.js's (y up, looking down −z) by negating
 * y and z in place, so the default camera at the origin sees the cloud as the photo did.
 */
export function parsePly(bytes: ArrayBuffer): BufferGeometry {
  const geometry = new PLYLoader().parse(bytes);
  const pos = geometry.getAttribute('position');
  if (!pos || pos.count === 0) throw new Error('it holds no points');
  const a = pos.array as Float32Array;
  for (let i = 0; i < a.length; i += 3) {
    a[i + 1] = -a[i + 1]!;
    a[i + 2] = -a[i + 2]!;
  }
  pos.needsUpdate = true;
  geometry.computeBoundingSphere();
  return geometry;
}
