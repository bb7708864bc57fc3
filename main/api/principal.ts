import type { ApiKeyId } from '../common/ids.js';
import type { Plan } from '../common/plans.js';

/** Who made a request. `signed` is a holder of a signed artifact link: it may download that one file. */
export type Principal =
  | { kind: 'api_key'; keyId: ApiKeyId; name: string; plan: Plan }
  | { kind: 'desktop'; keyId: null; plan: 'admin' }
  | { kind: 'signed'; keyId: null };
