import { useEffect } from 'react';
import { appStore, useApp } from './app/store.js';
import { DepthWorkspace } from './features/depth/DepthWorkspace.js';
import { JobsWorkspace } from './features/jobs/JobsWorkspace.js';
import { KeysWorkspace } from './features/keys/KeysWorkspace.js';
import { MeasureWorkspace } from './features/measure/MeasureWorkspace.js';
import { ModelsWorkspace } from './features/models/ModelsWorkspace.js';
import { ReconstructWorkspace } from './features/reconstruct/ReconstructWorkspace.js';
import { SettingsWorkspace } from './features/settings/SettingsWorkspace.js';
import { DropZone } from './shell/DropZone.js';
import { useDesktopCommands } from './shell/desktop.js';
import { SHORTCUTS, useShortcuts } from './shell/shortcuts.js';
import { Sidebar } from './shell/Sidebar.js';

export function App() {
  const status = useApp((s) => s.status);
  const version = useApp((s) => s.version);
  const error = useApp((s) => s.error);
  const theme = useApp((s) => s.theme);

  useEffect(() => {
    void appStore.getState().connect();
  }, []);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useShortcuts();
  useDesktopCommands();

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">SpatialForge</span>
        <span className="status" data-testid="connection-status" data-status={status}>
          {status === 'connected' && `Core ${version ?? ''} connected`}
          {status === 'connecting' && 'Connecting to the core…'}
          {status === 'no-token' && 'Not signed in'}
          {status === 'error' && 'Core unreachable'}
        </span>
        <button
          type="button"
          onClick={() => appStore.getState().toggleTheme()}
          aria-label="Toggle dark and light theme"
        >
          {theme === 'dark' ? 'Light' : 'Dark'} theme
        </button>
      </header>
      {status === 'connected' ? (
        <Workbench />
      ) : (
        <main className="content">
          {status === 'no-token' && (
            <section className="notice" role="alert">
              <h2>Open SpatialForge from the link the server printed</h2>
              <p>
                <code>spatialforge serve</code> prints a link ending in <code>#token=…</code>. Open that link: the token
                proves this browser tab belongs to whoever started the server.
              </p>
              {error && <p className="error">{error}</p>}
            </section>
          )}
          {status === 'error' && (
            <section className="notice" role="alert">
              <h2>The core did not answer</h2>
              <p className="error">{error}</p>
              <button type="button" onClick={() => void appStore.getState().connect()}>
                Retry
              </button>
            </section>
          )}
        </main>
      )}
    </div>
  );
}

function Workbench() {
  const workspace = useApp((s) => s.workspace);
  const notice = useApp((s) => s.notice);
  const noticeAction = useApp((s) => s.noticeAction);
  const helpOpen = useApp((s) => s.helpOpen);
  return (
    <div className="workbench">
      <Sidebar />
      <main className="content" data-testid={`workspace-${workspace}`}>
        {notice && (
          <p className="notice-bar" role="status" data-testid="notice">
            <span className="notice-text">
              {notice}
              {noticeAction && (
                <button type="button" className="link-button notice-action" onClick={noticeAction.run}>
                  {noticeAction.label}
                </button>
              )}
            </span>
            <button type="button" className="link-button" onClick={() => appStore.getState().setNotice(null)}>
              Dismiss
            </button>
          </p>
        )}
        {workspace === 'depth' && <DepthWorkspace />}
        {workspace === 'measure' && <MeasureWorkspace />}
        {workspace === 'poses' && <ReconstructWorkspace />}
        {workspace === 'jobs' && <JobsWorkspace />}
        {workspace === 'models' && <ModelsWorkspace />}
        {workspace === 'keys' && <KeysWorkspace />}
        {workspace === 'settings' && <SettingsWorkspace />}
      </main>
      <DropZone />
      {helpOpen && (
        <div className="help" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcuts">
          <h3>Keyboard shortcuts</h3>
          <dl>
            {SHORTCUTS.map(([k, what]) => (
              <div key={k}>
                <dt>
                  <kbd>{k}</kbd>
                </dt>
                <dd>{what}</dd>
              </div>
            ))}
          </dl>
          <button type="button" onClick={() => appStore.getState().toggleHelp(false)}>
            Close
          </button>
        </div>
      )}
    </div>
  );
}
