import { useEffect } from 'react';
import { appStore, useApp } from './app/store.js';

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
        {status === 'connected' && (
          <section className="notice">
            <h2>Ready</h2>
            <p>
              The local API is running. Its reference is at <a href="/docs">/docs</a> and the machine-readable
              specification at <a href="/openapi.json">/openapi.json</a>.
            </p>
          </section>
        )}
      </main>
    </div>
  );
}
