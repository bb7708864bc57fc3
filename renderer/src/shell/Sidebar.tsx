import { WORKSPACES, useApp, appStore } from '../app/store.js';

export function Sidebar() {
  const workspace = useApp((s) => s.workspace);
  return (
    <nav className="sidebar" aria-label="Workspaces">
      <ul>
        {WORKSPACES.map((w) => (
          <li key={w.id}>
            <button
              type="button"
              className={w.id === workspace ? 'nav-item active' : 'nav-item'}
              aria-current={w.id === workspace ? 'page' : undefined}
              data-testid={`nav-${w.id}`}
              onClick={() => appStore.getState().setWorkspace(w.id)}
            >
              <span>{w.label}</span>
              <kbd>{w.key}</kbd>
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="link-button" onClick={() => appStore.getState().toggleHelp()}>
        Keyboard shortcuts <kbd>?</kbd>
      </button>
    </nav>
  );
}
