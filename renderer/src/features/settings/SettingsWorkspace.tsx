import { useEffect } from 'react';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../../../../main/common/api/settingsContract.js';
import { appStore, useApp, type ThemeChoice } from '../../app/store.js';
import { ErrorPanel } from '../../shell/ErrorPanel.js';

const PROVIDER_LABELS: Record<ExecutionProvider, string> = {
  cpu: 'CPU (works everywhere)',
  cuda: 'CUDA (NVIDIA GPU)',
  dml: 'DirectML (Windows GPU)',
  coreml: 'Core ML (Apple)',
  webgpu: 'WebGPU',
};

const SOURCE_LABELS = {
  environment: 'set by an environment variable, which overrides this setting',
  settings: 'from these settings',
  default: 'default',
} as const;

export function SettingsWorkspace() {
  const st = useApp((s) => s.settings);
  const themeChoice = useApp((s) => s.themeChoice);
  useEffect(() => {
    void appStore.getState().loadSettings();
  }, []);
  const s = appStore.getState();
  const v = st.value;

  return (
    <section className="workspace settings" aria-labelledby="settings-title">
      <header className="ws-head">
        <h2 id="settings-title">Settings</h2>
      </header>

      <section className="settings-group" aria-labelledby="set-window">
        <h3 id="set-window">This window</h3>
        <div className="field">
          <span className="field-label" id="theme-label">
            Theme
          </span>
          <div className="segmented" role="group" aria-labelledby="theme-label">
            {(['system', 'light', 'dark'] as ThemeChoice[]).map((t) => (
              <button
                key={t}
                type="button"
                aria-pressed={themeChoice === t}
                data-testid={`theme-${t}`}
                onClick={() => s.setThemeChoice(t)}
              >
                {t === 'system' ? 'Like the system' : t === 'light' ? 'Light' : 'Dark'}
              </button>
            ))}
          </div>
        </div>
      </section>

      <section className="settings-group" aria-labelledby="set-core" aria-busy={st.status === 'loading'}>
        <h3 id="set-core">Core</h3>
        {st.error && <ErrorPanel title="Could not read the settings" error={st.error} />}
        {v?.problem && (
          <p className="warning" role="alert" data-testid="settings-problem">
            {v.problem}. Saving writes a fresh file (the damaged one is kept as settings.json.damaged).
          </p>
        )}
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void s.saveSettings();
          }}
        >
          <div className="field">
            <label className="field-label" htmlFor="set-provider">
              Execution provider
            </label>
            <div>
              <select
                id="set-provider"
                data-testid="settings-provider"
                disabled={!v}
                value={st.draft.execution_provider}
                onChange={(e) => s.setSettingsDraft({ execution_provider: e.currentTarget.value as ExecutionProvider })}
              >
                {EXECUTION_PROVIDERS.map((p) => (
                  <option key={p} value={p}>
                    {PROVIDER_LABELS[p]}
                  </option>
                ))}
              </select>
              <p className="small muted">
                The core tries this first and falls back to the CPU, and says so, when it cannot start.
              </p>
            </div>
          </div>
          <div className="field">
            <label className="field-label" htmlFor="set-threads">
              Threads per inference
            </label>
            <div>
              <input
                id="set-threads"
                type="number"
                min={0}
                step={1}
                data-testid="settings-threads"
                disabled={!v}
                value={st.draft.threads}
                onChange={(e) => s.setSettingsDraft({ threads: e.currentTarget.value })}
              />
              <p className="small muted">0 = automatic (one per CPU core).</p>
            </div>
          </div>
          <div className="field">
            <span className="field-label" />
            <div className="toolbar">
              <button type="submit" data-testid="settings-save" disabled={!v || st.saving}>
                {st.saving ? 'Saving…' : 'Save'}
              </button>
              <span className="small" role="status" data-testid="settings-status">
                {st.saved && (v?.restart_required ? 'Saved. Restart SpatialForge to use it.' : 'Saved.')}
              </span>
            </div>
          </div>
        </form>
        {st.saveError && <ErrorPanel title="Not saved" error={st.saveError} />}
        {v && (
          <>
            <p className="small apply-note" data-testid="settings-apply-note">
              {v.apply_note}
            </p>
            <dl className="facts-list" data-testid="settings-running">
              <dt>Running now</dt>
              <dd>
                {v.running.providers.join(' → ')} ({SOURCE_LABELS[v.running.source.providers]}) ·{' '}
                {v.running.threads === 0 ? 'automatic threads' : `${v.running.threads} threads`} (
                {SOURCE_LABELS[v.running.source.threads]})
                {v.restart_required && (
                  <strong className="restart" data-testid="settings-restart">
                    {' '}
                    · restart to apply the saved settings
                  </strong>
                )}
              </dd>
              <dt>Data folder</dt>
              <dd>
                <code data-testid="settings-data-dir">{v.data_dir}</code>
                <span className="small muted"> — database, models, results and settings.json</span>
              </dd>
              <dt>Research mode</dt>
              <dd data-testid="settings-research">
                {v.research_mode ? (
                  <>
                    <strong>On</strong>: research-only and unclear-licence model weights may be downloaded and used.
                    Only for non-commercial research.
                  </>
                ) : (
                  <>
                    <strong>Off</strong>: research-only weights are refused. To allow them for non-commercial research,
                    start the core with <code>--research-mode</code> or <code>SPATIALFORGE_RESEARCH_MODE=1</code>.
                  </>
                )}
              </dd>
            </dl>
          </>
        )}
      </section>
    </section>
  );
}
