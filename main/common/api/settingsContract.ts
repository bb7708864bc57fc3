import { z } from 'zod';
import { endpoint, type EndpointDef } from './endpoint.js';

/** The file in the data folder that holds the settings (written atomically: temp file + rename). */
export const SETTINGS_FILE = 'settings.json';

/**
 * Execution providers a user may prefer, best first in the engine's own order. Mirrors
 * `PROVIDERS` of engines/runtime (main/engine-host checks the two agree at compile time); kept here
 * because main/common may not import the runtime, which loads onnxruntime.
 */
export const EXECUTION_PROVIDERS = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

export const MAX_SETTINGS_THREADS = 256;

/** How new inference settings take effect; also shown by the renderer. */
export const SETTINGS_APPLY_NOTE =
  'Execution provider and threads are read when the core starts: a change applies after SpatialForge is restarted ' +
  '(models already loaded keep their session until then). An environment variable (SPATIALFORGE_PROVIDERS, ' +
  'SPATIALFORGE_THREADS) overrides the saved value.';

/** What `settings.json` holds and `PATCH /v1/settings` may change. */
export const StoredSettingsSchema = z
  .strictObject({
    execution_provider: z
      .enum(EXECUTION_PROVIDERS)
      .describe('Preferred ONNX execution provider; CPU is always the fallback when it cannot start.'),
    threads: z
      .int('threads must be a whole number')
      .min(0, 'threads must be 0 (automatic) or more')
      .max(MAX_SETTINGS_THREADS, `threads must be at most ${MAX_SETTINGS_THREADS}`)
      .describe('Threads per inference; 0 lets onnxruntime choose (one per core).'),
  })
  .meta({ id: 'StoredSettings' });
export type StoredSettings = z.output<typeof StoredSettingsSchema>;

export const DEFAULT_SETTINGS: StoredSettings = { execution_provider: 'cpu', threads: 0 };

const ProviderListSchema = z.array(z.enum(EXECUTION_PROVIDERS));

export const SettingsSchema = StoredSettingsSchema.extend({
  data_dir: z.string().describe('The data folder (database, models, artifacts, settings.json). Read-only here.'),
  research_mode: z
    .boolean()
    .describe(
      'Whether research-only model weights are allowed. Read-only here: start the core with --research-mode or SPATIALFORGE_RESEARCH_MODE=1.',
    ),
  running: z
    .object({
      providers: ProviderListSchema.describe('Providers the running core tries, best first.'),
      threads: z.int().nonnegative().describe('Threads per inference the running core uses; 0 = automatic.'),
      source: z.object({
        providers: z.enum(['environment', 'settings', 'default']),
        threads: z.enum(['environment', 'settings', 'default']),
      }),
    })
    .describe('The inference configuration of the running core (fixed when it started).'),
  restart_required: z.boolean().describe('The saved provider or threads differ from what the running core uses.'),
  apply_note: z.string(),
  problem: z
    .string()
    .nullable()
    .describe('Set when settings.json could not be read: defaults are in use and the next save replaces it.'),
}).meta({ id: 'Settings' });
export type SettingsView = z.output<typeof SettingsSchema>;

/**
 * Reads the text of a `settings.json`: the settings, or the defaults and why the file was not
 * usable (bad JSON, wrong types, unknown keys). Never throws: a damaged file must not stop the core.
 */
export function parseSettingsText(text: string): { settings: StoredSettings; problem: string | null } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { settings: DEFAULT_SETTINGS, problem: `settings.json is not valid JSON (${(err as Error).message})` };
  }
  // Missing keys take their defaults, so a file from an older version still reads.
  const merged = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...DEFAULT_SETTINGS, ...raw } : raw;
  const parsed = StoredSettingsSchema.safeParse(merged);
  if (parsed.success) return { settings: parsed.data, problem: null };
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; ');
  return { settings: DEFAULT_SETTINGS, problem: `settings.json has invalid values (${issues})` };
}

/** `GET` and `PATCH /v1/settings`, spread into the contract. */
export const settingsEndpoints = {
  getSettings: endpoint({
    method: 'get',
    path: '/v1/settings',
    tag: 'settings',
    summary: 'The core’s settings (admin)',
    description: `Saved settings, the running inference configuration and the data folder. ${SETTINGS_APPLY_NOTE} A damaged settings.json is reported in \`problem\` and the defaults are used; it never stops the core.`,
    auth: 'admin',
    response: { status: 200, description: 'The settings.', schema: SettingsSchema },
  }),
  updateSettings: endpoint({
    method: 'patch',
    path: '/v1/settings',
    tag: 'settings',
    summary: 'Change settings (admin)',
    description: `Send only the fields to change. The file is replaced atomically. ${SETTINGS_APPLY_NOTE}`,
    auth: 'admin',
    body: StoredSettingsSchema.partial()
      .strict()
      .refine((b) => Object.keys(b).length > 0, 'send at least one setting to change'),
    bodyLimitBytes: 4 * 1024,
    errors: ['unavailable'],
    response: { status: 200, description: 'The settings after the change.', schema: SettingsSchema },
  }),
} as const satisfies Record<string, EndpointDef>;
