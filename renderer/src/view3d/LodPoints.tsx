import { useFrame, useThree } from '@react-three/fiber';
import { useContext, useEffect, useMemo, useRef } from 'react';
import type { BufferGeometry, Points } from 'three';
import { decimateCloud } from './decimate.js';
import { lodBudget } from './webgl.js';
import { isMoving, MovingContext } from './Orbit.js';

/**
 * A point cloud that draws a decimated copy of itself while the camera moves (clouds above the
 * renderer's budget), so orbiting millions of points stays smooth; the whole cloud is drawn
 * again as soon as the view stops. Points are 2 px whatever the distance.
 */
export function LodPoints({ geometry, visible = true }: { geometry: BufferGeometry; visible?: boolean }) {
  const lastMove = useContext(MovingContext);
  const gl = useThree((s) => s.gl);
  const lod = useMemo(() => decimateCloud(geometry, lodBudget(gl.getContext())), [geometry, gl]);
  useEffect(() => () => lod?.dispose(), [lod]);
  const full = useRef<Points>(null);
  const light = useRef<Points>(null);
  const coloured = geometry.getAttribute('color') !== undefined;
  useFrame(() => {
    const moving = !!lod && isMoving(lastMove);
    if (full.current) full.current.visible = visible && !moving;
    if (light.current) light.current.visible = visible && moving;
  });
  return (
    <>
      <points ref={full} geometry={geometry} dispose={null} visible={visible}>
        <pointsMaterial
          size={2}
          sizeAttenuation={false}
          vertexColors={coloured}
          color={coloured ? 'white' : '#7fb4ff'}
        />
      </points>
      {lod && (
        <points ref={light} geometry={lod} dispose={null} visible={false}>
          <pointsMaterial
            size={2}
            sizeAttenuation={false}
            vertexColors={coloured}
            color={coloured ? 'white' : '#7fb4ff'}
          />
        </points>
      )}
    </>
  );
}
