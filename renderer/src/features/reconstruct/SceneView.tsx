import { Canvas, useThree } from '@react-three/fiber';
import { useEffect, useMemo } from 'react';
import { DoubleSide } from 'three';
import { getCloud } from '../../app/binaries.js';
import { useApp } from '../../app/store.js';
import { webglAvailable } from '../../view3d/webgl.js';
import { LodPoints } from '../../view3d/LodPoints.js';
import { MovingContext, OrbitRig, useMovingRef } from '../../view3d/Orbit.js';

// The 3-D view of Poses & 3-D; loaded lazily with three.js. It renders on demand (after a change
// or while the camera moves), so a still view of millions of points costs nothing.

function Layers({ sceneId }: { sceneId: string }) {
  const layers = useApp((s) => s.recon.layers);
  const invalidate = useThree((s) => s.invalidate);
  useEffect(() => invalidate(), [layers, invalidate]);
  const points = getCloud(`${sceneId}:points`);
  const mesh = getCloud(`${sceneId}:mesh`);
  const cameras = getCloud(`${sceneId}:cameras`);
  const meshColours = mesh?.getAttribute('color') !== undefined;
  return (
    <>
      {points && <LodPoints geometry={points} visible={layers.points} />}
      {mesh && (
        <mesh geometry={mesh} dispose={null} visible={layers.mesh}>
          <meshStandardMaterial
            vertexColors={meshColours}
            color={meshColours ? 'white' : '#b9c4cf'}
            side={DoubleSide}
            roughness={0.9}
          />
        </mesh>
      )}
      {cameras && (
        <lineSegments geometry={cameras} dispose={null} visible={layers.cameras}>
          <lineBasicMaterial vertexColors />
        </lineSegments>
      )}
      <ambientLight intensity={0.7} />
      <directionalLight position={[1, 2, 1.5]} intensity={1.6} />
    </>
  );
}

/** The scene of the Poses & 3-D workspace: points, mesh and camera frusta, with orbit controls. */
export default function SceneView() {
  const scene = useApp((s) => s.recon.scene);
  const reset = useApp((s) => s.recon.viewReset);
  const webgl = useMemo(webglAvailable, []);
  const moving = useMovingRef();
  if (!webgl) {
    return (
      <div className="cloud-message" role="note" data-testid="scene-fallback">
        <strong>The 3-D view needs WebGL, which this browser has turned off.</strong>
        <p>
          Turn on hardware acceleration in the browser settings, or download the PLY and COLMAP files below and open
          them in MeshLab, CloudCompare or COLMAP.
        </p>
      </div>
    );
  }
  if (scene.status !== 'ready' || !scene.id) return null;
  const [x, y, z] = scene.centre;
  const r = Math.max(scene.radius, 1e-3);
  return (
    <Canvas
      className="cloud-canvas"
      data-testid="scene-canvas"
      frameloop="demand"
      camera={{ fov: 50, near: 0.01, far: 1000, position: [0, 0, 1] }}
      dpr={[1, 2]}
      gl={{ antialias: false }}
    >
      <MovingContext.Provider value={moving}>
        <Layers sceneId={scene.id} />
        {/* Above and behind the scene's centre, in the first camera's frame (y up, looking down −z). */}
        <OrbitRig
          target={scene.centre}
          eye={[x, y + 0.35 * r, z + 1.7 * r]}
          near={r * 1e-3}
          far={r * 100}
          reset={`${scene.id}:${reset}`}
        />
      </MovingContext.Provider>
    </Canvas>
  );
}
