import { REFERENCE_OBJECTS } from '../../../../main/common/api/measureContract.js';
import { appStore, useApp } from '../../app/store.js';
import { EmptyState, ErrorPanel } from '../../shell/ErrorPanel.js';
import { openPicker } from '../../shell/openFile.js';
import { labelOffsets } from './labels.js';
import {
  formatDistance,
  measurementsCsv,
  measurementsJson,
  type MeasureState,
  type Pt,
  type RefKind,
} from './measureSlice.js';

const CORNER_NAMES = ['top-left', 'top-right', 'bottom-right', 'bottom-left'];

function hint(m: MeasureState): string {
  if (m.mode === 'corners')
    return `Click the reference’s ${CORNER_NAMES[m.pending.length]} corner (${m.pending.length + 1} of 4) · Esc cancels`;
  if (m.mode === 'length')
    return `Click ${m.pending.length ? 'the other end' : 'one end'} of the known length · Esc cancels`;
  return m.pending.length ? 'Click the second point · Esc cancels' : 'Click two points to measure between them';
}

function download(name: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function MeasureWorkspace() {
  const m = useApp((s) => s.measure);
  const s = appStore.getState();
  const W = m.photo?.width ?? 0;
  const H = m.photo?.height ?? 0;
  const unit = Math.max(W, H) / 100; // overlay sizes scale with the photo, not the screen
  // Distance labels, moved apart where two segments' midpoints would put them on top of each other.
  const labels = m.items.map((it) =>
    it.status === 'done' && it.result
      ? formatDistance(it.result.distance_m, it.result.sigma_m).text
      : it.status === 'running'
        ? '…'
        : 'error',
  );
  const offsets = labelOffsets(
    m.items.map((it, k) => ({
      x: (it.from[0] + it.to[0]) / 2,
      y: (it.from[1] + it.to[1]) / 2 - unit,
      // An estimate of the rendered text: ~0.6 em per character, 1.2 em per line.
      width: labels[k]!.length * unit * 2.6 * 0.6,
      height: unit * 2.6 * 1.2,
    })),
  );
  const base = (m.photo?.name ?? 'photo').replace(/\.[^.]+$/, '');

  const onClick = (e: React.MouseEvent<SVGSVGElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const p: Pt = [((e.clientX - r.left) / r.width) * W, ((e.clientY - r.top) / r.height) * H];
    s.clickPhoto(p);
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(measurementsJson(m.photo?.name ?? null, m.items));
      s.setNotice('Copied the measurements as JSON.');
    } catch {
      s.setNotice('The browser refused clipboard access: use “Download JSON” instead.');
    }
  };
  const line = (a: Pt, b: Pt, cls: string, key?: string | number) => (
    <line key={key} x1={a[0]} y1={a[1]} x2={b[0]} y2={b[1]} className={cls} strokeWidth={unit * 0.35} />
  );
  const dot = (p: Pt, cls: string, key?: string | number) => (
    <circle key={key} cx={p[0]} cy={p[1]} r={unit * 0.6} className={cls} />
  );

  return (
    <section className="workspace" aria-labelledby="measure-title">
      <header className="ws-head">
        <h2 id="measure-title">Measure</h2>
        <div className="toolbar">
          <button type="button" onClick={openPicker}>
            Open photo… <kbd>O</kbd>
          </button>
          <label>
            Reference
            <select
              data-testid="reference-kind"
              value={m.refKind}
              onChange={(e) => s.setRefKind(e.currentTarget.value as RefKind)}
            >
              <option value="none">None (metric model)</option>
              <option value="a4">{REFERENCE_OBJECTS.a4.label}</option>
              <option value="letter">{REFERENCE_OBJECTS.letter.label}</option>
              <option value="card">{REFERENCE_OBJECTS.card.label}</option>
              <option value="custom">Custom rectangle…</option>
              <option value="length">Known length…</option>
            </select>
          </label>
          {m.refKind === 'custom' && (
            <>
              <label>
                width (m)
                <input
                  type="number"
                  min="0"
                  step="any"
                  value={m.customW}
                  onChange={(e) => s.setRefField('customW', e.currentTarget.value)}
                />
              </label>
              <label>
                height (m)
                <input
                  type="number"
                  min="0"
                  step="any"
                  value={m.customH}
                  onChange={(e) => s.setRefField('customH', e.currentTarget.value)}
                />
              </label>
            </>
          )}
          {m.refKind === 'length' && (
            <label>
              length (m)
              <input
                type="number"
                min="0"
                step="any"
                data-testid="reference-length"
                value={m.lengthM}
                onChange={(e) => s.setRefField('lengthM', e.currentTarget.value)}
              />
            </label>
          )}
          {m.refKind !== 'none' && (
            <button type="button" disabled={!m.photo} onClick={() => s.placeReference()}>
              {m.refKind === 'length' ? 'Draw the length' : 'Place corners'}
            </button>
          )}
        </div>
      </header>

      {!m.photo && (
        <EmptyState title="No photo yet">
          <p>
            Drop a photo anywhere in this window, or{' '}
            <button type="button" className="link-button" onClick={openPicker}>
              open one
            </button>{' '}
            (<kbd>O</kbd>). Then click two points.
          </p>
          <p className="muted">
            For the best accuracy put a reference in the photo — an A4 or Letter sheet, a bank card — choose it above
            and click its four corners (top-left, top-right, bottom-right, bottom-left), or draw a length you know.
            Points on the reference’s plane are then exact up to your clicks; without one a metric depth model gives ±10
            %.
          </p>
        </EmptyState>
      )}

      {m.error && <ErrorPanel title="Cannot measure yet" error={m.error} />}

      {m.photo && (
        <div className="measure-layout">
          <div>
            <p className="hint" data-testid="measure-hint" data-mode={m.mode}>
              {hint(m)}
            </p>
            {W > 0 ? (
              <div className="pane measure-pane" style={{ aspectRatio: `${W} / ${H}` }}>
                <img src={m.photo.url} alt={m.photo.name} draggable={false} />
                <svg
                  className={`overlay-svg mode-${m.mode}`}
                  data-testid="measure-overlay"
                  viewBox={`0 0 ${W} ${H}`}
                  preserveAspectRatio="none"
                  onClick={onClick}
                  role="img"
                  aria-label="Photo: click to place points"
                >
                  {m.corners.length === 4 && (
                    <polygon
                      className="ref-shape"
                      points={m.corners.map((p) => p.join(',')).join(' ')}
                      strokeWidth={unit * 0.3}
                    />
                  )}
                  {m.line.length === 2 && line(m.line[0]!, m.line[1]!, 'ref-line')}
                  {m.items.map((it, k) => {
                    const mid: Pt = [(it.from[0] + it.to[0]) / 2, (it.from[1] + it.to[1]) / 2];
                    const label = labels[k]!;
                    return (
                      <g key={it.id} className={`measurement ${it.status}`}>
                        {line(it.from, it.to, 'seg')}
                        {dot(it.from, 'end')}
                        {dot(it.to, 'end')}
                        <text
                          x={mid[0]}
                          y={mid[1] - unit + offsets[k]!}
                          fontSize={unit * 2.6}
                          textAnchor="middle"
                          className="seg-label"
                          data-testid="measurement-label"
                        >
                          {label}
                        </text>
                      </g>
                    );
                  })}
                  {m.pending.map((p, i) => dot(p, 'pending', i))}
                  {m.mode === 'corners' && m.pending.length > 1 && (
                    <polyline
                      className="ref-shape pending-shape"
                      points={m.pending.map((p) => p.join(',')).join(' ')}
                      strokeWidth={unit * 0.3}
                    />
                  )}
                </svg>
              </div>
            ) : (
              <div className="placeholder pane">
                The browser cannot show {m.photo.name}, so there is nothing to click on. Convert it to JPEG or PNG.
              </div>
            )}
          </div>

          <aside className="measure-list" aria-label="Measurements">
            <h3>Measurements</h3>
            {m.items.length === 0 ? (
              <p className="muted">None yet: click two points on the photo.</p>
            ) : (
              <ol>
                {m.items.map((it) => (
                  <li key={it.id} data-testid="measurement-row" data-status={it.status}>
                    {it.status === 'running' && <span className="muted">Measuring…</span>}
                    {it.status === 'done' && it.result && (
                      <>
                        <strong data-testid="measurement-value">
                          {formatDistance(it.result.distance_m, it.result.sigma_m).text}
                        </strong>
                        <span className="muted small">
                          {it.result.scale_source.replace(/_/g, ' ')} · {it.reference}
                        </span>
                        {it.result.notes.length > 0 && <span className="muted small">{it.result.notes.join(' ')}</span>}
                      </>
                    )}
                    {it.status === 'error' && it.error && (
                      <span className="error" role="alert" data-testid="measurement-error">
                        {it.error.message} {it.error.hint}
                      </span>
                    )}
                    <button
                      type="button"
                      className="link-button"
                      onClick={() => s.removeMeasurement(it.id)}
                      aria-label={`Remove measurement ${it.id}`}
                    >
                      Remove
                    </button>
                  </li>
                ))}
              </ol>
            )}
            <div className="exports">
              <button type="button" disabled={!m.items.length} onClick={() => void copy()}>
                Copy JSON
              </button>
              <button
                type="button"
                disabled={!m.items.length}
                data-testid="export-json"
                onClick={() =>
                  download(
                    `${base}.measurements.json`,
                    'application/json',
                    measurementsJson(m.photo?.name ?? null, m.items),
                  )
                }
              >
                Download JSON
              </button>
              <button
                type="button"
                disabled={!m.items.length}
                data-testid="export-csv"
                onClick={() => download(`${base}.measurements.csv`, 'text/csv', measurementsCsv(m.items))}
              >
                Download CSV
              </button>
              <button type="button" disabled={!m.items.length} onClick={() => s.clearMeasurements()}>
                Clear
              </button>
            </div>
          </aside>
        </div>
      )}
    </section>
  );
}
