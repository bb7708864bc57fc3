import { z } from 'zod';
import { ERROR_STATUS, type ErrorCode } from '../errors.js';
import { PLANS } from '../plans.js';

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

export const PlanSchema = z.enum(PLANS).meta({ id: 'Plan' });

const isoTime = z.iso.datetime();

export const HealthSchema = z
  .object({
    status: z.literal('ok'),
    version: z.string(),
    uptime_s: z.number().nonnegative(),
    database: z.literal('ok'),
  })
  .meta({ id: 'Health' });

export const UsageSchema = z
  .object({
    period: z.string().regex(/^\d{4}-\d{2}$/),
    used: z.int().nonnegative(),
    monthly_quota: z.int().positive().nullable(),
    per_minute: z.int().positive().nullable(),
    resets_at: isoTime,
  })
  .meta({ id: 'Usage' });

export const ApiKeySchema = z
  .object({
    id: z.string().regex(/^key_[0-9a-f]{12}$/),
    name: z.string(),
    plan: PlanSchema,
    created_at: isoTime,
    last_used_at: isoTime.nullable(),
    revoked_at: isoTime.nullable(),
    usage: UsageSchema,
  })
  .meta({ id: 'ApiKey' });

export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().describe('The secret key. Shown once; only an HMAC of it is stored.'),
}).meta({ id: 'CreatedApiKey' });

export const KeyNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

export const MeSchema = z
  .object({
    kind: z.enum(['api_key', 'desktop']),
    key_id: z.string().nullable(),
    name: z.string(),
    plan: PlanSchema,
    usage: UsageSchema.nullable(),
  })
  .meta({ id: 'Me' });

export const ArtifactLinkSchema = z
  .object({
    url: z.string().describe('Path and query of the signed download link, relative to the server.'),
    expires_at: isoTime,
  })
  .meta({ id: 'ArtifactLink' });
