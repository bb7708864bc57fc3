import { useEffect, useRef, useState } from 'react';
import { PLAN_LIMITS, PLANS, type Plan } from '../../../../main/common/plans.js';
import { formatTime } from '../../app/format.js';
import { appStore, useApp } from '../../app/store.js';
import { EmptyState, ErrorPanel } from '../../shell/ErrorPanel.js';
import { ProgressBar } from '../../shell/Progress.js';
import type { ApiKey, CreatedApiKey } from './keysSlice.js';

const limitText = (plan: Plan) => {
  const l = PLAN_LIMITS[plan];
  return `${l.monthlyQuota === null ? 'unlimited' : l.monthlyQuota.toLocaleString('en')} requests a month, ${
    l.perMinute === null ? 'no per-minute limit' : `${l.perMinute} a minute`
  }`;
};

/** The new key's secret, once: copy button, a warning, and a button that forgets it. */
function NewKey({ created }: { created: CreatedApiKey }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const field = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('yes');
    } catch {
      // No clipboard permission: select the text so Ctrl+C works.
      field.current?.select();
      setCopied('failed');
    }
  };
  return (
    <section className="new-key" role="region" aria-label="New API key" data-testid="new-key">
      <h3>Key “{created.name}” created</h3>
      <p className="warning" role="alert">
        Copy this key now. SpatialForge stores only a hash of it, so it cannot be shown again: if you lose it, revoke it
        and create another.
      </p>
      <div className="secret-row">
        <input
          ref={field}
          readOnly
          value={created.key}
          aria-label="The new API key"
          data-testid="new-key-secret"
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" data-testid="copy-key" onClick={() => void copy()}>
          {copied === 'yes' ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p className="small muted" aria-live="polite" data-testid="copy-status">
        {copied === 'yes' && 'Copied to the clipboard.'}
        {copied === 'failed' && 'The browser blocked the clipboard: the key is selected, press Ctrl+C (⌘C) to copy it.'}
      </p>
      <p className="small">
        Send it as the <code>X-API-Key</code> header, e.g. <code>curl -H &quot;X-API-Key: sf_…&quot; …/v1/me</code>.
      </p>
      <button type="button" data-testid="dismiss-key" onClick={() => appStore.getState().dismissCreatedKey()}>
        I have copied it — hide the key
      </button>
    </section>
  );
}

function KeyRow({ k }: { k: ApiKey }) {
  const confirm = useApp((s) => s.keys.confirmRevoke === k.id);
  const revoking = useApp((s) => s.keys.revoking === k.id);
  const actionError = useApp((s) => (s.keys.actionError?.id === k.id ? s.keys.actionError.error : null));
  const s = appStore.getState();
  const u = k.usage;
  const share = u.monthly_quota ? u.used / u.monthly_quota : null;
  return (
    <tr data-testid="key-row" data-key-id={k.id} className={k.revoked_at ? 'revoked' : undefined}>
      <td>
        <strong>{k.name}</strong>
        <br />
        <code className="small muted">{k.id}</code>
      </td>
      <td>{k.plan}</td>
      <td>
        <div className="usage-cell">
          <span className="small" data-testid="key-usage">
            {u.used.toLocaleString('en')} /{' '}
            {u.monthly_quota === null ? 'unlimited' : u.monthly_quota.toLocaleString('en')} in {u.period}
          </span>
          {share !== null && <ProgressBar value={share} label={`Usage of ${k.name} this month`} />}
          <span className="small muted">
            {u.per_minute === null ? 'no per-minute limit' : `${u.per_minute}/min`} · resets {formatTime(u.resets_at)}
          </span>
        </div>
      </td>
      <td className="small">
        Created {formatTime(k.created_at)}
        <br />
        Last used {k.last_used_at ? formatTime(k.last_used_at) : 'never'}
      </td>
      <td className="key-actions">
        {k.revoked_at ? (
          <span className="pill failed" data-testid="key-revoked">
            Revoked {formatTime(k.revoked_at)}
          </span>
        ) : confirm ? (
          <span className="confirm">
            <span className="small">Scripts using it stop working.</span>
            <button
              type="button"
              className="danger"
              data-testid="confirm-revoke"
              onClick={() => void s.revokeKey(k.id)}
            >
              Revoke
            </button>
            <button type="button" onClick={() => s.askRevoke(null)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" data-testid="revoke-key" disabled={revoking} onClick={() => s.askRevoke(k.id)}>
            {revoking ? 'Revoking…' : 'Revoke…'}
          </button>
        )}
        {actionError && <p className="error small">{actionError.message}</p>}
      </td>
    </tr>
  );
}

export function KeysWorkspace() {
  const k = useApp((s) => s.keys);
  useEffect(() => {
    void appStore.getState().loadKeys();
  }, []);
  const s = appStore.getState();

  return (
    <section className="workspace" aria-labelledby="keys-title">
      <header className="ws-head">
        <h2 id="keys-title">API keys</h2>
        <div className="toolbar">
          <label>
            <input
              type="checkbox"
              checked={k.showRevoked}
              data-testid="show-revoked"
              onChange={(e) => s.setShowRevoked(e.currentTarget.checked)}
            />
            Show revoked keys
          </label>
          <button type="button" onClick={() => void s.loadKeys()}>
            Refresh <kbd>U</kbd>
          </button>
        </div>
      </header>
      <p className="muted small ws-intro">
        Scripts and other programs on this computer use the local API at <code>{window.location.origin}/v1</code> with a
        key (see <a href="/docs">/docs</a>). Give each program its own key, so you can revoke one without the others.
      </p>

      <form
        className="key-form"
        onSubmit={(e) => {
          e.preventDefault();
          void s.createKey();
        }}
      >
        <label>
          Name
          <input
            value={k.name}
            maxLength={100}
            placeholder="e.g. nightly-scan script"
            data-testid="key-name"
            onChange={(e) => s.setKeyDraft({ name: e.currentTarget.value })}
          />
        </label>
        <label>
          Plan
          <select
            value={k.plan}
            data-testid="key-plan"
            onChange={(e) => s.setKeyDraft({ plan: e.currentTarget.value as Plan })}
          >
            {PLANS.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" data-testid="create-key" disabled={k.creating}>
          {k.creating ? 'Creating…' : 'Create key'}
        </button>
        <span className="small muted">{limitText(k.plan)}</span>
      </form>
      {k.createError && <ErrorPanel title="No key created" error={k.createError} />}
      {k.created && <NewKey created={k.created} />}

      {k.error && <ErrorPanel title="Could not list the keys" error={k.error} />}
      {k.status === 'loading' && <div className="skeleton-block" aria-busy="true" />}
      {k.status === 'ready' && !k.list.length && (
        <EmptyState title={k.showRevoked ? 'No keys at all' : 'No active keys'}>
          <p>
            This window does not need one: it uses a token the core made for this launch. Create a key above for a
            script or another program.
          </p>
        </EmptyState>
      )}
      {k.list.length > 0 && (
        <table className="keys-table" data-testid="keys-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Plan</th>
              <th>Usage this month</th>
              <th>Activity</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {k.list.map((key) => (
              <KeyRow key={key.id} k={key} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
