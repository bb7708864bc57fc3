import type { z } from 'zod';
import type { ApiKeySchema, CreatedApiKeySchema } from '../../../../main/common/api/schemas.js';
import type { Plan } from '../../../../main/common/plans.js';
import { api } from '../../app/connection.js';
import { toUiError, type UiError } from '../../app/errors.js';
import type { AppSlice } from '../../app/store.js';

export type ApiKey = z.output<typeof ApiKeySchema>;
export type CreatedApiKey = z.output<typeof CreatedApiKeySchema>;

export interface KeysState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  list: ApiKey[];
  error: UiError | null;
  showRevoked: boolean;
  name: string;
  plan: Plan;
  creating: boolean;
  createError: UiError | null;
  /**
   * The key just created, with its secret: shown until dismissed, then forgotten (the core keeps
   * only a hash, so nobody can show it again).
   */
  created: CreatedApiKey | null;
  /** The key whose revoke button asks "sure?". */
  confirmRevoke: string | null;
  revoking: string | null;
  actionError: { id: string; error: UiError } | null;
}

export interface KeysSlice {
  keys: KeysState;
  loadKeys(): Promise<void>;
  setKeyDraft(p: Partial<Pick<KeysState, 'name' | 'plan'>>): void;
  createKey(): Promise<void>;
  dismissCreatedKey(): void;
  setShowRevoked(show: boolean): void;
  askRevoke(id: string | null): void;
  revokeKey(id: string): Promise<void>;
}

const initial: KeysState = {
  status: 'idle',
  list: [],
  error: null,
  showRevoked: false,
  name: '',
  plan: 'free',
  creating: false,
  createError: null,
  created: null,
  confirmRevoke: null,
  revoking: null,
  actionError: null,
};

export const keysSlice: AppSlice<KeysSlice> = (set, get) => {
  const patch = (p: Partial<KeysState>) => set((s) => ({ keys: { ...s.keys, ...p } }));
  const k = () => get().keys;

  return {
    keys: initial,

    async loadKeys() {
      if (!k().list.length) patch({ status: 'loading' });
      try {
        const res = await api().call('listKeys', { query: { include_revoked: k().showRevoked ? 'true' : 'false' } });
        patch({ status: 'ready', list: res.keys, error: null });
      } catch (err) {
        patch({ status: 'error', error: toUiError(err) });
      }
    },

    setKeyDraft(p) {
      patch({ ...p, createError: null });
    },

    async createKey() {
      const { name, plan } = k();
      if (!name.trim()) {
        patch({
          createError: {
            message: 'Give the key a name.',
            hint: 'Name it after the script or machine that will use it, so you know what to revoke later.',
            code: null,
            requestId: null,
          },
        });
        return;
      }
      patch({ creating: true, createError: null, created: null });
      try {
        const created = await api().call('createKey', { body: { name: name.trim(), plan } });
        patch({ creating: false, created, name: '' });
        await get().loadKeys();
      } catch (err) {
        patch({ creating: false, createError: toUiError(err) });
      }
    },

    dismissCreatedKey() {
      patch({ created: null });
    },

    setShowRevoked(showRevoked) {
      patch({ showRevoked });
      void get().loadKeys();
    },

    askRevoke(confirmRevoke) {
      patch({ confirmRevoke, actionError: null });
    },

    async revokeKey(id) {
      patch({ revoking: id, confirmRevoke: null, actionError: null });
      try {
        await api().call('revokeKey', { params: { id } });
        if (k().created?.id === id) patch({ created: null });
        await get().loadKeys();
      } catch (err) {
        patch({ actionError: { id, error: toUiError(err) } });
      } finally {
        patch({ revoking: null });
      }
    },
  };
};
