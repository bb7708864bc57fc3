import { lazy, Suspense, useEffect } from 'react';
import { formatRemaining } from '../../app/eta.js';
import { formatBytes, formatDuration, percent } from '../../app/format.js';
import { appStore, useApp } from '../../app/store.js';
import { EmptyState, ErrorPanel } from '../../shell/ErrorPanel.js';
import { openPicker } from '../../shell/openFile.js';
import { ProgressBar } from '../../shell/Progress.js';
import { PRESET_INFO, PRESETS, RECONSTRUCT_STAGES } from './reconstructApi.js';
import type { ReconState } from './reconstructSlice.js';
import { saveExport } from '../../shell/desktop.js';

const SceneView = lazy(() => import('./SceneView.js'));

function Inputs({ r }: { r: ReconState }) {
  const s = appStore.getState();
  if (!r.inputs) return null;
  const { kind, files } = r.inputs;
  const total = files.reduce((n, f) => n + f.bytes, 0);
  return (
    <div className="recon-inputs" data-testid="recon-inputs">
      <strong>{kind === 'video' ? 'Video' : `${files.length} photo${files.length === 1 ? '' : 's'}`}</strong>
      <span className="muted small">
        {kind === 'video'
          ? `${files[0]!.name} · ${formatBytes(total)}`
          : `${files
              .slice(0, 4)
              .map((f) => f.name)
              .join(', ')}${files.length > 4 ? ` and ${files.length - 4} more` : ''} · ${formatBytes(total)}`}
      </span>
      {kind === 'images' && files.length < 2 && (
        <span className="small warning-text">Add at least one more photo of the same scene.</span>
      )}
      <button type="button" className="link-button" onClick={openPicker}>
        {kind === 'images' ? 'Add photos…' : 'Choose another…'}
      </button>
      <button type="button" className="link-button" onClick={() => s.clearReconInputs()}>
        Clear
      </button>
    </div>
  );
}

function Options({ r }: { r: ReconState }) {
  const s = appStore.getState();
  const busy = r.phase === 'uploading' || r.phase === 'running';
  return (
    <div className="recon-options">
      <div className="segmented" role="group" aria-label="What to compute">
        <button
          type="button"
          aria-pressed={r.mode === 'reconstruct'}
          data-testid="mode-reconstruct"
          disabled={busy || r.available !== true}
          title={r.available === false ? 'This core has no /v1/reconstruct yet' : undefined}
          onClick={() => s.setReconOption({ mode: 'reconstruct' })}
        >
          3-D reconstruction
        </button>
        <button
          type="button"
          aria-pressed={r.mode === 'poses'}
          data-testid="mode-poses"
          disabled={busy}
          onClick={() => s.setReconOption({ mode: 'poses' })}
        >
          Camera poses only
        </button>
      </div>
      {r.mode === 'reconstruct' && (
        <div className="segmented" role="group" aria-label="Quality preset">
          {PRESETS.map((p) => (
            <button
              key={p}
              type="button"
              aria-pressed={r.preset === p}
              data-testid={`preset-${p}`}
              disabled={busy}
              title={PRESET_INFO[p]}
              onClick={() => s.setReconOption({ preset: p })}
            >
              {p[0]!.toUpperCase() + p.slice(1)}
            </button>
          ))}
        </div>
      )}
      <label>
        Focal length (px)
        <input
          type="number"
          min="1"
          step="any"
          inputMode="decimal"
          placeholder="from EXIF"
          value={r.focalPx}
          disabled={busy}
          onChange={(e) => s.setReconOption({ focalPx: e.currentTarget.value })}
        />
      </label>
      <button
        type="button"
        className="primary"
        data-testid="recon-start"
        disabled={!r.inputs || busy}
        onClick={() => void s.startRecon()}
      >
        {r.mode === 'reconstruct' ? 'Reconstruct' : 'Find camera poses'} <kbd>Enter</kbd>
      </button>
      <button
        type="button"
        data-testid="recon-cancel"
        disabled={!busy || r.canceling}
        onClick={() => void s.cancelRecon()}
      >
        {r.canceling ? 'Canceling…' : 'Cancel'} <kbd>X</kbd>
      </button>
      <p className="small muted option-note">
        {r.mode === 'reconstruct'
          ? PRESET_INFO[r.preset]
          : 'Sparse points and camera poses: up to 60 photos while you wait, more (up to 1,000) as a job; a video is sampled at 2 frames a second, up to 300 frames.'}
        {r.available === false &&
          ' Dense reconstruction is not available from this core yet (its API has no /v1/reconstruct).'}
      </p>
    </div>
  );
}

function RunStatus({ r }: { r: ReconState }) {
  const job = r.job;
  const stageIndex = job?.stage ? RECONSTRUCT_STAGES.findIndex(([id]) => id === job.stage) : -1;
  let body: React.ReactNode = null;
  if (r.phase === 'uploading') {
    body = <ProgressBar value={null} label="Uploading" testId="recon-progress" />;
  } else if (r.phase === 'running' && r.mode === 'poses') {
    body = (
      <>
        <ProgressBar value={null} label="Finding camera poses" testId="recon-progress" />
        <p className="small muted">
          Tracking features and solving the camera poses… (up to a few minutes for 60 frames)
        </p>
      </>
    );
  } else if ((r.phase === 'running' || r.phase === 'canceled' || r.phase === 'done') && job) {
    body = (
      <>
        <ol className="stages" aria-label="Stages" data-testid="recon-stages">
          {RECONSTRUCT_STAGES.map(([id, label, what], i) => (
            <li
              key={id}
              className={
                job.status === 'succeeded' || i < stageIndex ? 'done' : i === stageIndex ? 'current' : undefined
              }
              aria-current={i === stageIndex && job.status === 'running' ? 'step' : undefined}
              title={what}
            >
              {label}
            </li>
          ))}
        </ol>
        <ProgressBar
          value={job.status === 'queued' ? 0 : job.progress}
          label="Reconstruction progress"
          testId="recon-progress"
          tone={
            job.status === 'succeeded'
              ? 'done'
              : job.status === 'running' || job.status === 'queued'
                ? 'active'
                : 'stopped'
          }
        />
        <p className="small" data-testid="recon-progress-text">
          {job.status === 'queued' && 'Queued: waiting for a free worker…'}
          {job.status === 'running' &&
            `${percent(job.progress)}${stageIndex >= 0 ? ` · ${RECONSTRUCT_STAGES[stageIndex]![2]}` : ''}${
              r.remaining !== null ? ` · ${formatRemaining(r.remaining)}` : ''
            }`}
          {job.status === 'succeeded' && 'Done.'}
          {job.status === 'canceled' && 'Canceled; its temporary files were removed.'}
          {job.message && job.status === 'running' && <span className="muted"> — {job.message}</span>}
        </p>
      </>
    );
  }
  if (r.phase === 'canceled' && !job) body = <p className="small">Canceled.</p>;
  return (
    <div className="recon-run" data-testid="recon-run" data-phase={r.phase}>
      {body}
      {r.error && (
        <ErrorPanel title={r.mode === 'poses' ? 'No camera poses' : 'Reconstruction failed'} error={r.error} />
      )}
    </div>
  );
}

function Summary({ r }: { r: ReconState }) {
  const pose = r.poseResult;
  const recon = r.reconResult;
  const links: [string, { url: string; filename: string } | undefined, string][] = recon
    ? [
        ['export-points-ply', recon.artifacts.points_ply, 'PLY points'],
        ['export-mesh-ply', recon.artifacts.mesh_ply, 'PLY mesh'],
        ['export-cameras-txt', recon.artifacts.cameras_txt, 'COLMAP cameras.txt'],
        ['export-images-txt', recon.artifacts.images_txt, 'images.txt'],
        ['export-points3d-txt', recon.artifacts.points3d_txt, 'points3D.txt'],
      ]
    : pose
      ? [
          ['export-points-ply', pose.artifacts.ply, 'PLY points'],
          ['export-cameras-txt', pose.artifacts.cameras_txt, 'COLMAP cameras.txt'],
          ['export-images-txt', pose.artifacts.images_txt, 'images.txt'],
          ['export-points3d-txt', pose.artifacts.points3d_txt, 'points3D.txt'],
        ]
      : [];
  const failed = pose?.frames.filter((f) => !f.registered) ?? [];
  return (
    <div className="recon-summary" data-testid="recon-summary">
      {recon && (
        <>
          <p>
            <strong>{recon.points.toLocaleString('en')}</strong> points ·{' '}
            {recon.mesh.faces > 0 ? (
              <>
                <strong>{recon.mesh.faces.toLocaleString('en')}</strong> mesh faces
              </>
            ) : (
              'no mesh'
            )}{' '}
            · {recon.frames.posed} of {recon.frames.total} frames posed, {recon.frames.fused} fused · voxel{' '}
            {recon.scale.kind === 'metric'
              ? `${(recon.voxel_size_m * 100).toFixed(1)} cm`
              : `${recon.voxel_size_m.toPrecision(2)} (relative units)`}{' '}
            · preset {recon.preset} · {formatDuration(recon.timings_ms.total ?? null)}
          </p>
          <p className="small" data-testid="recon-scale">
            Scale: <strong>{recon.scale.kind === 'metric' ? 'metric (metres)' : 'relative (unknown units)'}</strong> —{' '}
            {recon.scale.note}
          </p>
        </>
      )}
      {pose && (
        <>
          <p data-testid="pose-summary">
            <strong>
              {pose.registered} of {pose.total}
            </strong>{' '}
            frames posed · {pose.points.toLocaleString('en')} points · focal {pose.intrinsics.fx.toFixed(1)} px (
            {pose.intrinsics.source.replace(/_/g, ' ')}) · reprojection{' '}
            {pose.rms_reprojection_px === null ? '—' : `${pose.rms_reprojection_px.toFixed(2)} px RMS`} ·{' '}
            {formatDuration(pose.timings_ms.total)}
          </p>
          <p className="small muted">Scale unknown: the first two cameras are one unit apart.</p>
          {failed.length > 0 && (
            <details className="small">
              <summary>
                {failed.length} frame{failed.length > 1 ? 's' : ''} not posed
              </summary>
              <ul>
                {failed.slice(0, 20).map((f) => (
                  <li key={f.index}>
                    {f.name}: {f.reason ?? f.status.replace(/_/g, ' ')}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
      {links.length > 0 && (
        <div className="exports" aria-label="Downloads">
          {links.map(([id, art, label]) =>
            art ? (
              <a
                key={id}
                href={art.url}
                download={art.filename}
                data-testid={id}
                onClick={(e) => saveExport(e, art.url, art.filename)}
              >
                {label}
              </a>
            ) : null,
          )}
        </div>
      )}
    </div>
  );
}

function Scene({ r }: { r: ReconState }) {
  const s = appStore.getState();
  const sc = r.scene;
  const ready = sc.status === 'ready';
  const has = { points: ready && sc.points > 0, mesh: ready && sc.meshFaces > 0, cameras: ready && sc.cameras > 0 };
  return (
    <section className="cloud-panel" aria-label="3-D view" data-testid="scene-view" data-status={sc.status}>
      <div className="cloud-toolbar">
        <span className="muted small" data-testid="scene-counts">
          {sc.status === 'ready'
            ? [
                sc.points && `${sc.points.toLocaleString('en')} points`,
                sc.meshFaces && `${sc.meshFaces.toLocaleString('en')} faces`,
                sc.cameras && `${sc.cameras} cameras`,
              ]
                .filter(Boolean)
                .join(' · ') + ' · drag to orbit, wheel to zoom, right-drag to pan'
            : '3-D view'}
        </span>
        <span className="toolbar">
          {(['points', 'mesh', 'cameras'] as const).map((layer) => (
            <label key={layer} className="small">
              <input
                type="checkbox"
                data-testid={`layer-${layer}`}
                checked={r.layers[layer] && has[layer]}
                disabled={!has[layer]}
                onChange={() => s.toggleLayer(layer)}
              />
              {layer === 'points' ? 'Points' : layer === 'mesh' ? 'Mesh' : 'Camera path'}
            </label>
          ))}
          <button type="button" disabled={sc.status !== 'ready'} onClick={() => s.resetSceneView()}>
            Reset view <kbd>R</kbd>
          </button>
        </span>
      </div>
      <div className="cloud-stage">
        {sc.status === 'ready' ? (
          <Suspense fallback={<div className="cloud-message">Loading the 3-D view…</div>}>
            <SceneView />
          </Suspense>
        ) : (
          <div className="cloud-message" data-testid="scene-status">
            {sc.status === 'idle' &&
              (r.phase === 'running' || r.phase === 'uploading'
                ? 'The cameras and points appear here when the run finishes.'
                : 'Cameras, points and the mesh appear here — or drop a .ply from an earlier run.')}
            {sc.status === 'loading' && `Loading ${sc.name ?? 'the scene'}…`}
            {sc.status === 'error' && <span className="error">{sc.error}</span>}
          </div>
        )}
      </div>
      {sc.status === 'ready' && sc.cameras > 0 && (
        <p className="small muted legend-line">
          Camera frusta run from <span className="swatch start" /> first to <span className="swatch end" /> last; the
          grey line is the path between them; the tick marks each image’s top edge.
        </p>
      )}
    </section>
  );
}

export function ReconstructWorkspace() {
  const r = useApp((s) => s.recon);
  useEffect(() => {
    if (appStore.getState().recon.available === null) void appStore.getState().checkReconstruct();
  }, []);
  const empty = !r.inputs && r.scene.status === 'idle' && r.phase === 'idle';
  return (
    <section className="workspace" aria-labelledby="recon-title">
      <header className="ws-head">
        <h2 id="recon-title">Poses &amp; 3-D</h2>
        <div className="toolbar">
          <button type="button" onClick={openPicker}>
            Open video or photos… <kbd>O</kbd>
          </button>
        </div>
      </header>
      {empty ? (
        <EmptyState title="No video or photos yet">
          <p>
            Drop a video, or several photos of one scene, anywhere in this window — or{' '}
            <button type="button" className="link-button" onClick={openPicker}>
              open them
            </button>{' '}
            (<kbd>O</kbd>). Walk slowly around the space, moving sideways as well as turning; keep textured surfaces in
            view.
          </p>
          <p className="muted">
            The result: the camera path, a coloured point cloud{r.available ? ' and a mesh' : ''}, downloadable as PLY
            and as a COLMAP text model. A <code>.ply</code> from an earlier run opens here too.
          </p>
        </EmptyState>
      ) : (
        <>
          <Inputs r={r} />
          {r.inputs ? (
            <Options r={r} />
          ) : (
            <p className="muted small">
              Showing {r.scene.name ?? 'a file'}. Drop a video or several photos to find camera poses.
            </p>
          )}
          <RunStatus r={r} />
        </>
      )}
      {!empty && <Scene r={r} />}
      {(r.poseResult || r.reconResult) && <Summary r={r} />}
    </section>
  );
}
