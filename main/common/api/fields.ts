import { z } from 'zod';

/** A form field holding a finite, positive number (form values arrive as strings). */
export const positiveNumber = (what: string) =>
  z.coerce
    .number()
    .refine(Number.isFinite, `${what} must be a finite number`)
    .refine((v) => v > 0, `${what} must be positive`);

/**
 * "a,b,c…" (commas, spaces or semicolons) → exactly `count` finite numbers that each pass `ok`;
 * otherwise a validation error with `message` (or `message(raw)`).
 */
export function numberList(
  count: number,
  message: string | ((raw: string) => string),
  ok: (x: number) => boolean = () => true,
) {
  return z.string().transform((s, ctx) => {
    const v = s
      .split(/[\s,;]+/)
      .filter(Boolean)
      .map(Number);
    if (v.length !== count || v.some((x) => !(Number.isFinite(x) && ok(x)))) {
      ctx.addIssue({ code: 'custom', message: typeof message === 'string' ? message : message(s) });
      return z.NEVER;
    }
    return v;
  });
}

/** A comma-separated subset of `choices`, deduplicated; unknown names are a validation error. */
export function outputList<const T extends string>(choices: readonly T[]) {
  return z
    .string()
    .default(choices.join(','))
    .transform((s, ctx) => {
      const list = s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      for (const x of list) {
        if (!(choices as readonly string[]).includes(x)) {
          ctx.addIssue({ code: 'custom', message: `unknown output "${x}"; choose from ${choices.join(', ')}` });
          return z.NEVER;
        }
      }
      return [...new Set(list)] as T[];
    });
}

/** Intrinsics fields: fx, fy, cx, cy all or none, and not together with focal_px. */
export function checkIntrinsicsFields(
  v: {
    focal_px?: number | undefined;
    fx?: number | undefined;
    fy?: number | undefined;
    cx?: number | undefined;
    cy?: number | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  const full = [v.fx, v.fy, v.cx, v.cy].filter((x) => x !== undefined).length;
  if (full !== 0 && full !== 4) ctx.addIssue({ code: 'custom', message: 'give fx, fy, cx and cy together' });
  if (full === 4 && v.focal_px !== undefined)
    ctx.addIssue({ code: 'custom', message: 'give either focal_px or fx/fy/cx/cy, not both' });
}
