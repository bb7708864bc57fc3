import { useFrame, useThree } from '@react-three/fiber';
import { createContext, useCallback, useContext, useEffect, useRef, useState, type MutableRefObject } from 'react';
import { Vector3 } from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';

/** Milliseconds after the last camera change during which the view counts as moving. */
const SETTLE_MS = 180;

/** Whether the view is moving: when the camera last changed (performance.now()), and whether a drag holds it. */
export interface Motion {
  last: number;
  held: boolean;
}

/** Shared by the orbit rig (which writes it) and the clouds (which draw lighter while it moves). */
export const MovingContext = createContext<MutableRefObject<Motion>>({ current: { last: -Infinity, held: false } });

export function useMovingRef(): MutableRefObject<Motion> {
  return useRef<Motion>({ last: -Infinity, held: false });
}

/**
 * True during a drag, and until SETTLE_MS after the camera last changed. A drag counts as moving
 * however slowly frames come, so a slow renderer never starts a full frame in the middle of one.
 */
export function isMoving(motion: MutableRefObject<Motion>, now = performance.now()): boolean {
  return motion.current.held || now - motion.current.last < SETTLE_MS;
}

/**
 * Orbit (drag), zoom (wheel) and pan (right drag) for a Canvas with `frameloop="demand"`: each
 * camera change asks for one frame, damping asks for more until it settles, and one more frame
 * is drawn after the view stops so a lighter stand-in can give way to the full cloud. The camera
 * starts at `eye` looking at `target` (viewer frame) and goes back there whenever `reset` changes.
 */
export function OrbitRig({
  target,
  eye,
  near,
  far,
  reset,
}: {
  target: readonly [number, number, number];
  eye: readonly [number, number, number];
  near: number;
  far: number;
  reset: unknown;
}) {
  const camera = useThree((s) => s.camera);
  const dom = useThree((s) => s.gl.domElement);
  const invalidate = useThree((s) => s.invalidate);
  const lastMove = useContext(MovingContext);
  const [controls, setControls] = useState<OrbitControls | null>(null);
  const settle = useRef(0);

  /** Marks the view as moving: frames until it settles may draw stand-ins, then one full frame. */
  const moved = useCallback(() => {
    lastMove.current.last = performance.now();
    invalidate();
    clearTimeout(settle.current);
    settle.current = window.setTimeout(() => invalidate(), SETTLE_MS + 20);
  }, [invalidate, lastMove]);

  useEffect(() => {
    const c = new OrbitControls(camera, dom);
    c.enableDamping = true;
    c.dampingFactor = 0.15;
    const start = () => {
      lastMove.current.held = true;
      moved();
    };
    const end = () => {
      lastMove.current.held = false;
      moved();
    };
    c.addEventListener('change', moved);
    c.addEventListener('start', start);
    c.addEventListener('end', end);
    setControls(c);
    return () => {
      clearTimeout(settle.current);
      c.removeEventListener('change', moved);
      c.removeEventListener('start', start);
      c.removeEventListener('end', end);
      c.dispose();
    };
  }, [camera, dom, moved, lastMove]);

  const [tx, ty, tz] = target;
  const [ex, ey, ez] = eye;
  useEffect(() => {
    if (!controls) return;
    camera.position.set(ex, ey, ez);
    camera.near = near;
    camera.far = far;
    camera.updateProjectionMatrix();
    controls.target.copy(new Vector3(tx, ty, tz));
    controls.update();
    // The first frames (shader compilation, buffer upload, layout) draw the light stand-in; the
    // whole cloud follows once, when they have settled.
    moved();
  }, [camera, controls, moved, tx, ty, tz, ex, ey, ez, near, far, reset]);

  useFrame(() => controls?.update());
  return null;
}
