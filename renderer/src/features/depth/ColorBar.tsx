import { useEffect, useRef } from 'react';
import { TURBO_LUT } from '../../../../engines/image/colormap.js';
import { formatDepth } from './format.js';

interface Props {
  kind: 'metric' | 'relative';
  min: number;
  median: number | null;
  max: number;
  /** The range the preview's colours were stretched over (its 2–98 % percentiles), when known. */
  lo: number | null;
  hi: number | null;
}

/**
 * The depth legend from the real minimum to the real maximum; each position has the colour the
 * preview gives that depth (Turbo, near = warm, clamped outside the preview's stretch).
 */
export function ColorBar({ kind, min, median, max, lo, hi }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const w = c.width;
    const img = ctx.createImageData(w, 1);
    const a = lo ?? min;
    const b = hi ?? max;
    for (let i = 0; i < w; i++) {
      const v = min + ((max - min) * (i + 0.5)) / w;
      const t = b > a ? Math.min(1, Math.max(0, (v - a) / (b - a))) : 0.5;
      const k = Math.round((1 - t) * 255) * 3; // near (small) = warm (high Turbo index)
      img.data.set([TURBO_LUT[k]!, TURBO_LUT[k + 1]!, TURBO_LUT[k + 2]!, 255], i * 4);
    }
    for (let y = 0; y < c.height; y++) ctx.putImageData(img, 0, y);
  }, [min, max, lo, hi]);

  const pos = median !== null && max > min ? ((median - min) / (max - min)) * 100 : 50;
  return (
    <figure className="colorbar" data-testid="colorbar" data-kind={kind}>
      <canvas ref={canvas} width={256} height={12} aria-hidden="true" />
      <div className="colorbar-marker" style={{ left: `${pos}%` }} aria-hidden="true" />
      <figcaption>
        <span data-testid="colorbar-min">{formatDepth(min, kind)}</span>
        <span>
          median <span data-testid="colorbar-median">{formatDepth(median, kind)}</span> ·{' '}
          <span data-testid="colorbar-units">{kind === 'metric' ? 'metres' : 'relative (median = 1)'}</span>
        </span>
        <span data-testid="colorbar-max">{formatDepth(max, kind)}</span>
      </figcaption>
    </figure>
  );
}
