import { Canvas } from '@react-three/fiber';
import { useMemo } from 'react';
import { getCloud } from '../../app/binaries.js';
import { appStore, useApp } from '../../app/store.js';
import { LodPoints } from '../../view3d/LodPoints.js';
import { MovingContext, OrbitRig, useMovingRef } from '../../view3d/Orbit.js';
import { webglAvailable } from '../../view3d/webgl.js';

/**
 * The cloud and its camera: a depth result starts from the photo's own viewpoint (the camera sat
 * at the origin); an opened PLY from in front of its bounding sphere.
 */
function CloudScene({ cloudId, reset, fromPhoto }: { cloudId: string; reset: number; fromPhoto: boolean }) {
  const geometry = getCloud(cloudId);
  const sphere = geometry?.boundingSphere;
  if (!geometry || !sphere) return null;
  const r = Math.max(sphere.radius, 1e-6);
  const c = sphere.center;
  let eye: [number, number, number] = fromPhoto ? [0, 0, 0] : [c.x, c.y, c.z + 2.5 * r];
  if (Math.hypot(eye[0] - c.x, eye[1] - c.y, eye[2] - c.z) < 1e-6) eye = [eye[0], eye[1], eye[2] + r];
  const distance = Math.hypot(eye[0] - c.x, eye[1] - c.y, eye[2] - c.z);
  return (
    <>
      <LodPoints geometry={geometry} />
      <OrbitRig
        target={[c.x, c.y, c.z]}
        eye={eye}
        near={r * 1e-3}
        far={r * 100 + distance}
        reset={`${cloudId}:${reset}`}
      />
    </>
  );
}

export function PointCloudView() {
  const cloud = useApp((s) => s.depth.cloud);
  const reset = useApp((s) => s.depth.viewReset);
  const webgl = useMemo(webglAvailable, []);
  const moving = useMovingRef();

  let body: React.ReactNode;
  if (!webgl) {
    body = (
      <div className="cloud-message" role="note" data-testid="cloud-fallback">
        <strong>The 3-D view needs WebGL, which this browser has turned off.</strong>
        <p>
          Turn on hardware acceleration in the browser settings (in Chromium, or start it with{' '}
          <code>--enable-unsafe-swiftshader</code>), or download the PLY below and open it in MeshLab or CloudCompare.
        </p>
      </div>
    );
  } else if (cloud.status === 'ready' && cloud.id) {
    body = (
      <Canvas
        className="cloud-canvas"
        data-testid="cloud-canvas"
        frameloop="demand"
        camera={{ fov: 50, near: 0.01, far: 1000, position: [0, 0, 0] }}
        dpr={[1, 2]}
        gl={{ antialias: false }}
      >
        <MovingContext.Provider value={moving}>
          <CloudScene cloudId={cloud.id} reset={reset} fromPhoto={cloud.id.startsWith('art_')} />
        </MovingContext.Provider>
      </Canvas>
    );
  } else {
    body = (
      <div className="cloud-message" data-testid="cloud-status">
        {cloud.status === 'idle' && 'The point cloud appears here once depth is ready — or drop a .ply file.'}
        {cloud.status === 'loading' && `Loading the point cloud${cloud.name ? ` of ${cloud.name}` : ''}…`}
        {cloud.status === 'error' && <span className="error">{cloud.error}</span>}
      </div>
    );
  }

  return (
    <section className="cloud-panel" aria-label="Point cloud" data-testid="cloud-view">
      <div className="cloud-toolbar">
        <span className="muted">
          {cloud.status === 'ready'
            ? `${cloud.points.toLocaleString('en')} points · drag to orbit, wheel to zoom, right-drag to pan`
            : '3-D point cloud'}
        </span>
        <button type="button" disabled={cloud.status !== 'ready'} onClick={() => appStore.getState().resetCloudView()}>
          Reset view <kbd>R</kbd>
        </button>
      </div>
      <div className="cloud-stage">{body}</div>
    </section>
  );
}
