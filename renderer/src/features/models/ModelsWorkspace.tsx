import { useEffect } from 'react';
import type { ModelView } from '../../../../main/common/api/modelsContract.js';
import { formatRemaining } from '../../app/eta.js';
import { formatBytes, formatTime, percent } from '../../app/format.js';
import { appStore, useApp } from '../../app/store.js';
import { EmptyState, ErrorPanel } from '../../shell/ErrorPanel.js';
import { ProgressBar } from '../../shell/Progress.js';

const STATE_LABELS: Record<ModelView['state'], string> = {
  not_installed: 'Not installed',
  downloading: 'Downloading',
  installed: 'Installed',
  corrupt: 'Damaged',
  missing: 'File missing',
};

function LicenseBadge({ model }: { model: ModelView }) {
  if (model.commercial_use === true) return <span className="pill license ok">Commercial use allowed</span>;
  if (model.commercial_use === false)
    return (
      <span className="pill license research" data-testid="research-badge">
        Research only · non-commercial
      </span>
    );
  return (
    <span className="pill license research" data-testid="research-badge">
      Licence unclear · research mode only
    </span>
  );
}

function ModelCard({ model, researchMode }: { model: ModelView; researchMode: boolean | null }) {
  const download = useApp((s) => s.models.downloads[model.id]);
  const busy = useApp((s) => s.models.busy[model.id]);
  const error = useApp((s) => s.models.errors[model.id]);
  const note = useApp((s) => s.models.notes[model.id]);
  const s = appStore.getState();
  const installed = model.state === 'installed';
  const downloading = model.state === 'downloading' || busy === 'pull';
  const received = download?.received ?? model.progress?.received_bytes ?? 0;
  const total = download?.total ?? model.progress?.total_bytes ?? model.bytes;
  const blocked = model.research_only && researchMode === false;

  return (
    <li className="model-card" data-testid="model-card" data-model-id={model.id} data-state={model.state}>
      <div className="model-head">
        <div>
          <h3>{model.name}</h3>
          <code className="muted small">{model.id}</code>
        </div>
        <span className={`pill state-${model.state}`} data-testid="model-state">
          {STATE_LABELS[model.state]}
        </span>
      </div>
      <p className="model-facts small">
        <LicenseBadge model={model} />
        <span>{model.output_kind === 'metric' ? 'Metric depth (metres)' : 'Relative depth'}</span>
        <span>{model.family}</span>
        {(model.installed?.bytes ?? model.bytes) !== null && (
          <span>{formatBytes(model.installed?.bytes ?? model.bytes)}</span>
        )}
      </p>
      <p className="small model-license">
        Licence: <strong data-testid="model-license">{model.license}</strong>
      </p>
      {blocked && (
        <p className="small research-note">
          Research mode is off: the core refuses these weights. Turn it on only for non-commercial research (see
          Settings).
        </p>
      )}
      {model.problem && <p className="error small">{model.problem}</p>}
      {(model.downloadable || installed || model.partial_bytes > 0) && (
        <div className="model-progress" aria-hidden={!downloading}>
          {downloading && (
            <>
              <ProgressBar
                value={total ? received / total : null}
                label={`Download of ${model.name}`}
                testId="model-progress"
              />
              <span className="small" data-testid="model-progress-text">
                {formatBytes(received)} of {formatBytes(total)}
                {total ? ` · ${percent(received / total)}` : ''}
                {download?.bytesPerSecond ? ` · ${formatBytes(download.bytesPerSecond)}/s` : ''}
                {download && download.remainingMs !== null ? ` · ${formatRemaining(download.remainingMs)}` : ''}
              </span>
            </>
          )}
          {!downloading && installed && model.installed && (
            <span className="small muted">
              {model.installed.source === 'import' ? 'Imported' : 'Downloaded'}{' '}
              {formatTime(model.installed.installed_at)} · checked {formatTime(model.installed.verified_at)}
            </span>
          )}
          {!downloading && !installed && model.partial_bytes > 0 && (
            <span className="small muted">
              {formatBytes(model.partial_bytes)} downloaded earlier; the download resumes from there.
            </span>
          )}
        </div>
      )}
      {error && <ErrorPanel title={downloading ? 'Download failed' : 'The core refused'} error={error} />}
      {note && (
        <p className="small ok-text" role="status">
          {note}
        </p>
      )}
      <div className="toolbar">
        {!installed && model.downloadable && (
          <button
            type="button"
            data-testid="model-download"
            disabled={downloading || !!busy}
            onClick={() => void s.pullModel(model.id)}
          >
            {downloading ? 'Downloading…' : model.partial_bytes > 0 ? 'Resume download' : 'Download'}
          </button>
        )}
        {!installed && !model.downloadable && (
          <span className="small muted">
            No download link: install a copy of the file with{' '}
            <code>spatialforge models import FILE --as {model.id}</code>.
          </span>
        )}
        {installed && (
          <button
            type="button"
            data-testid="model-verify"
            disabled={!!busy}
            onClick={() => void s.verifyModel(model.id)}
          >
            {busy === 'verify' ? 'Checking…' : 'Verify'}
          </button>
        )}
        {(installed || model.state === 'corrupt' || model.state === 'missing' || model.partial_bytes > 0) && (
          <button
            type="button"
            data-testid="model-remove"
            disabled={!!busy || downloading}
            onClick={() => void s.removeModel(model.id)}
          >
            {busy === 'remove' ? 'Removing…' : 'Remove'}
          </button>
        )}
      </div>
      {model.notes && (
        <details className="small model-notes">
          <summary>Where these weights come from</summary>
          <p className="muted">{model.notes}</p>
        </details>
      )}
    </li>
  );
}

export function ModelsWorkspace() {
  const m = useApp((s) => s.models);
  useEffect(() => {
    void appStore.getState().loadModels();
  }, []);
  const installed = m.list.filter((x) => x.state === 'installed');
  const available = m.list.filter((x) => x.state !== 'installed');

  return (
    <section className="workspace" aria-labelledby="models-title">
      <header className="ws-head">
        <h2 id="models-title">Models</h2>
        <div className="toolbar">
          <button type="button" onClick={() => void appStore.getState().loadModels()}>
            Refresh <kbd>U</kbd>
          </button>
          {m.researchMode !== null && (
            <span className={m.researchMode ? 'pill research' : 'pill'} data-testid="research-mode">
              Research mode {m.researchMode ? 'on' : 'off'}
            </span>
          )}
        </div>
      </header>
      <p className="muted small ws-intro">
        Depth models run on this computer. Every download is checked against its SHA-256 before it is used. Weights
        marked research-only may not be used commercially; the core refuses them unless it runs in research mode.
      </p>
      {m.error && <ErrorPanel title="Could not list the models" error={m.error} />}
      {m.status === 'loading' && <div className="model-grid skeleton-block" aria-busy="true" />}
      {m.status === 'ready' && !m.list.length && (
        <EmptyState title="The model catalogue is empty">
          <p>
            The core’s model manifest lists no models. Reinstall SpatialForge, or check SPATIALFORGE_MODEL_MANIFEST.
          </p>
        </EmptyState>
      )}
      {m.status === 'ready' && m.list.length > 0 && (
        <>
          <h3 className="section-title">Installed ({installed.length})</h3>
          {installed.length ? (
            <ul className="model-grid" data-testid="installed-models">
              {installed.map((model) => (
                <ModelCard key={model.id} model={model} researchMode={m.researchMode} />
              ))}
            </ul>
          ) : (
            <p className="muted">
              None yet. Depth, Measure and reconstruction need one: download a model below — a metric one gives metres.
            </p>
          )}
          <h3 className="section-title">Available ({available.length})</h3>
          <ul className="model-grid" data-testid="available-models">
            {available.map((model) => (
              <ModelCard key={model.id} model={model} researchMode={m.researchMode} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
