import { lazy, Suspense, useCallback, useState } from 'react';
import { getDepthMap } from '../../app/binaries.js';
import { appStore, useApp } from '../../app/store.js';
import { EmptyState, ErrorPanel } from '../../shell/ErrorPanel.js';
import { openPicker } from '../../shell/openFile.js';
import { ColorBar } from './ColorBar.js';
import { formatDepth } from './format.js';
import { saveExport } from '../../shell/desktop.js';

// three.js and the 3-D view load on first use, in their own chunk.
const PointCloudView = lazy(() => import('./PointCloudView.js').then((m) => ({ default: m.PointCloudView })));
const cloudPlaceholder = (
  <section className="cloud-panel" aria-label="Point cloud" aria-busy="true">
    <div className="cloud-toolbar">
      <span className="muted">3-D point cloud</span>
    </div>
    <div className="cloud-stage" />
  </section>
);

interface Hover {
  x: number;
  y: number;
  value: number | null;
}

/** Reads the full-resolution map under the pointer (the map is the upright photo's size). */
function useHoverDepth(mapId: string | null) {
  const [hover, setHover] = useState<Hover | null>(null);
  const onMove = useCallback(
    (e: React.PointerEvent<HTMLElement>) => {
      const map = mapId ? getDepthMap(mapId) : undefined;
      if (!map) return;
      const r = e.currentTarget.getBoundingClientRect();
      const x = Math.floor(((e.clientX - r.left) / r.width) * map.width);
      const y = Math.floor(((e.clientY - r.top) / r.height) * map.height);
      if (x < 0 || y < 0 || x >= map.width || y >= map.height) return setHover(null);
      const v = map.data[y * map.width + x]!;
      setHover({ x, y, value: Number.isFinite(v) ? v : null });
    },
    [mapId],
  );
  return { hover, onMove, onLeave: () => setHover(null) };
}

export function DepthWorkspace() {
  const d = useApp((s) => s.depth);
  const { hover, onMove, onLeave } = useHoverDepth(d.map.id);
  const [split, setSplit] = useState(50);
  const result = d.result;
  const kind = result?.depth.kind ?? 'metric';
  const w = d.photo?.width ?? result?.image.width ?? 4;
  const h = d.photo?.height ?? result?.image.height ?? 3;
  const aspect = { aspectRatio: `${w} / ${h}` };
  const previewUrl = result?.artifacts.preview?.url ?? null;
  const s = appStore.getState();

  const preview = previewUrl ? (
    <img src={previewUrl} alt="Depth preview (Turbo colours, near = warm)" draggable={false} />
  ) : (
    <div className="placeholder" aria-busy={d.status === 'running'}>
      {d.status === 'running' ? 'Estimating depth…' : d.status === 'error' ? 'No depth' : ''}
    </div>
  );
  const photo = d.photo?.width ? (
    <img src={d.photo.url} alt={d.photo.name} draggable={false} />
  ) : (
    <div className="placeholder">The browser cannot show this file; the core can still read it.</div>
  );

  return (
    <section className="workspace" aria-labelledby="depth-title">
      <header className="ws-head">
        <h2 id="depth-title">Depth</h2>
        <div className="toolbar">
          <button type="button" onClick={openPicker}>
            Open photo… <kbd>O</kbd>
          </button>
          <label>
            Focal length (px)
            <input
              type="number"
              min="1"
              step="any"
              inputMode="decimal"
              placeholder="from EXIF"
              data-testid="focal-input"
              value={d.focalPx}
              onChange={(e) => s.setFocalPx(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && d.photo) void s.runDepth();
              }}
            />
          </label>
          <button type="button" disabled={!d.photo || d.status === 'running'} onClick={() => void s.runDepth()}>
            Run again
          </button>
          <div className="segmented" role="group" aria-label="Layout">
            <button type="button" aria-pressed={d.view === 'side'} onClick={() => s.setDepthView('side')}>
              Side by side
            </button>
            <button type="button" aria-pressed={d.view === 'slider'} onClick={() => s.setDepthView('slider')}>
              Slider <kbd>V</kbd>
            </button>
          </div>
        </div>
      </header>

      {!d.photo && d.cloud.status === 'idle' && (
        <EmptyState title="No photo yet">
          <p>
            Drop a photo anywhere in this window, or{' '}
            <button type="button" className="link-button" onClick={openPicker}>
              open one
            </button>{' '}
            (<kbd>O</kbd>). JPEG, PNG, WebP, TIFF or AVIF. A <code>.ply</code> point cloud opens in the 3-D view.
          </p>
          <p className="muted">
            Give the focal length in pixels when you know it: metric depth is only as good as the focal length.
          </p>
        </EmptyState>
      )}

      {d.error && <ErrorPanel title="Depth failed" error={d.error} />}

      {d.photo && (
        <>
          {d.view === 'side' ? (
            <div className="depth-stage side">
              <div className="pane" style={aspect} onPointerMove={onMove} onPointerLeave={onLeave}>
                {photo}
              </div>
              <div
                className="pane"
                style={aspect}
                data-testid="depth-preview"
                onPointerMove={onMove}
                onPointerLeave={onLeave}
              >
                {preview}
              </div>
            </div>
          ) : (
            <div className="depth-stage slider">
              <div className="pane" style={aspect} onPointerMove={onMove} onPointerLeave={onLeave}>
                {photo}
                <div className="overlay" style={{ clipPath: `inset(0 ${100 - split}% 0 0)` }}>
                  {preview}
                </div>
                <div className="split-line" style={{ left: `${split}%` }} aria-hidden="true" />
              </div>
              <input
                type="range"
                min={0}
                max={100}
                value={split}
                aria-label="Depth overlay: how much of the photo the depth covers"
                onChange={(e) => setSplit(Number(e.currentTarget.value))}
              />
            </div>
          )}

          <div className="depth-info">
            <div className="legend">
              {result && result.stats.min !== null && result.stats.max !== null ? (
                <ColorBar
                  kind={kind}
                  min={result.stats.min}
                  median={result.stats.median}
                  max={result.stats.max}
                  lo={d.map.lo}
                  hi={d.map.hi}
                />
              ) : (
                <div className="colorbar placeholder-bar" aria-hidden="true" />
              )}
            </div>
            <p className="readout" data-testid="depth-readout" aria-live="polite">
              {d.map.status === 'loading' && 'Loading the depth map…'}
              {d.map.status === 'error' && <span className="error">{d.map.error}</span>}
              {d.map.status === 'ready' &&
                (hover
                  ? hover.value === null
                    ? `No valid depth at (${hover.x}, ${hover.y})`
                    : `${formatDepth(hover.value, kind)} at (${hover.x}, ${hover.y})`
                  : 'Point at the photo to read the depth there.')}
            </p>
            {result && (
              <div className="facts">
                <p>
                  {result.depth.kind === 'metric' ? 'Metric depth' : 'Relative depth'} from{' '}
                  <strong>{result.model.id}</strong> ({result.model.provider}) · focal {result.intrinsics.fx.toFixed(1)}{' '}
                  px ({result.intrinsics.source.replace(/_/g, ' ')}) · valid{' '}
                  {(result.stats.valid_fraction * 100).toFixed(1)} % · {Math.round(result.timings_ms.total)} ms
                </p>
                <p className="muted small">{result.depth.meaning}</p>
                <div className="exports" aria-label="Downloads">
                  {result.artifacts.png16 && (
                    <a
                      href={result.artifacts.png16.url}
                      download={result.artifacts.png16.filename}
                      onClick={(e) => saveExport(e, result.artifacts.png16!.url, result.artifacts.png16!.filename)}
                      data-testid="export-png16"
                    >
                      PNG16 ({kind === 'metric' ? 'mm' : 'relative × 1000'})
                    </a>
                  )}
                  {result.artifacts.npy && (
                    <a
                      href={result.artifacts.npy.url}
                      download={result.artifacts.npy.filename}
                      onClick={(e) => saveExport(e, result.artifacts.npy!.url, result.artifacts.npy!.filename)}
                      data-testid="export-npy"
                    >
                      NPY (float32)
                    </a>
                  )}
                  {result.artifacts.ply && (
                    <a
                      href={result.artifacts.ply.url}
                      download={result.artifacts.ply.filename}
                      onClick={(e) => saveExport(e, result.artifacts.ply!.url, result.artifacts.ply!.filename)}
                      data-testid="export-ply"
                    >
                      PLY (points)
                    </a>
                  )}
                </div>
              </div>
            )}
          </div>
        </>
      )}

      {(d.photo || d.cloud.status !== 'idle') && (
        <Suspense fallback={cloudPlaceholder}>
          <PointCloudView />
        </Suspense>
      )}
    </section>
  );
}
