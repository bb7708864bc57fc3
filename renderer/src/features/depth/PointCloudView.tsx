import { Canvas, useFrame, useThree } from '@react-three/fiber';
import { useEffect, useMemo, useRef } from 'react';
import { Vector3 } from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { getCloud } from '../../app/binaries.js';
import { appStore, useApp } from '../../app/store.js';

function webglAvailable(): boolean {
  try {
    const c = document.createElement('canvas');
    return !!(c.getContext('webgl2') ?? c.getContext('webgl'));
  } catch {
    return false;
  }
}

/** Orbit (drag), zoom (wheel), pan (right drag); `reset` puts the camera back at its start. */
function Controls({ cloudId, reset, fromPhoto }: { cloudId: string; reset: number; fromPhoto: boolean }) {
  const camera = useThree((s) => s.camera);
  const dom = useThree((s) => s.gl.domElement);
  const controls = useRef<OrbitControls | null>(null);

  useEffect(() => {
    const c = new OrbitControls(camera, dom);
    c.enableDamping = true;
    c.dampingFactor = 0.15;
    controls.current = c;
    return () => c.dispose();
  }, [camera, dom]);

  useEffect(() => {
    const c = controls.current;
    const sphere = getCloud(cloudId)?.boundingSphere;
    if (!c || !sphere) return;
    const r = Math.max(sphere.radius, 1e-6);
    // A depth result starts from the photo's own viewpoint (the camera sat at the origin);
    // an opened PLY from in front of its bounding sphere.
    const eye = fromPhoto ? new Vector3(0, 0, 0) : sphere.center.clone().add(new Vector3(0, 0, 2.5 * r));
    if (eye.distanceTo(sphere.center) < 1e-6) eye.z += r;
    camera.position.copy(eye);
    camera.near = r * 1e-3;
    camera.far = r * 100 + eye.distanceTo(sphere.center);
    camera.updateProjectionMatrix();
    c.target.copy(sphere.center);
    c.update();
  }, [camera, cloudId, reset, fromPhoto]);

  useFrame(() => controls.current?.update());
  return null;
}

function Cloud({ id }: { id: string }) {
  const geometry = getCloud(id);
  if (!geometry) return null;
  const coloured = geometry.getAttribute('color') !== undefined;
  return (
    <points geometry={geometry} dispose={null}>
      <pointsMaterial size={2} sizeAttenuation={false} vertexColors={coloured} color={coloured ? 'white' : '#7fb4ff'} />
    </points>
  );
}

export function PointCloudView() {
  const cloud = useApp((s) => s.depth.cloud);
  const reset = useApp((s) => s.depth.viewReset);
  const webgl = useMemo(webglAvailable, []);

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
        camera={{ fov: 50, near: 0.01, far: 1000, position: [0, 0, 0] }}
        dpr={[1, 2]}
        gl={{ antialias: false }}
      >
        <Cloud id={cloud.id} />
        <Controls cloudId={cloud.id} reset={reset} fromPhoto={cloud.id.startsWith('art_')} />
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
