import { z } from 'zod';
import { parseDuration } from './duration.js';

/**
 * `burnRate:` in the policy: which multi-window burn-rate rules block, as a named preset or a
 * list of the team's own, and the significance guard. Pure.
 */

/** Rule and SLO names. */
export const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The default, made for gating (README, "Why these defaults"): each rule blocks once its long
 * window has spent about 0.1–0.2 % of a 30-day budget, factor = fraction of budget × period /
 * long window, with a short window that clears within 15 minutes of the errors stopping.
 */
export const GATING_RULES = [
  { name: 'acute', long: '5m', short: '1m', factor: 14.4 },
  { name: 'fast', long: '15m', short: '5m', factor: 3.6 },
  { name: 'slow', long: '1h', short: '15m', factor: 1.5 },
];

/** The gating preset's significance guard: a rule fires only when its long window holds this many failed requests. */
export const GATING_MIN_ERRORS = 20;

/** Google SRE Workbook, table 5-8: page-level rules for a 30-day budget, made to wake a person. */
export const WORKBOOK_PAGING_RULES = [
  { name: 'fast', long: '1h', short: '5m', factor: 14.4 },
  { name: 'slow', long: '6h', short: '30m', factor: 6 },
];

export const PRESETS = {
  gating: { rules: GATING_RULES, minErrors: GATING_MIN_ERRORS },
  'workbook-paging': { rules: WORKBOOK_PAGING_RULES, minErrors: 0 },
} as const;
export type PresetName = keyof typeof PRESETS;

const MAX_MIN_ERRORS = 1_000_000;

const duration = z.string().refine((text) => parseDuration(text) !== undefined, {
  error: 'must be a Prometheus duration such as 5m, 1h or 30d',
});

const rule = z
  .strictObject({
    name: z.string().regex(NAME, { error: "must be 1-64 letters, digits, '-', '_' or '.'" }),
    long: duration,
    short: duration,
    factor: z.number().positive({ error: 'must be a positive burn-rate factor, e.g. 14.4' }).max(1e6),
  })
  .superRefine((value, ctx) => {
    const long = parseDuration(value.long);
    const short = parseDuration(value.short);
    if (long !== undefined && short !== undefined && short >= long) {
      ctx.addIssue({ code: 'custom', path: ['short'], message: `must be shorter than long (${value.long})` });
    }
  });

export type BurnRule = z.output<typeof rule>;

/**
 * The section as parsed: the rules to apply and the guard, whichever way they were given. A
 * policy that lists its own `rules` keeps them exactly, without a guard unless it sets `minErrors`,
 * so it gets the verdicts it got before presets existed.
 */
export interface BurnRateSettings {
  /** The preset the rules come from, or `custom` for the policy's own list. */
  preset: PresetName | 'custom';
  rules: BurnRule[];
  /** A rule fires only when its long window holds at least this many failed requests (0: no guard). */
  minErrors: number;
}

export const burnRateSchema = z
  .strictObject({
    preset: z.enum(Object.keys(PRESETS) as [PresetName, ...PresetName[]]).optional(),
    rules: z.array(rule).min(1).max(10).optional(),
    // Checked in the transform below: a failed check here would skip the transform and leave the
    // policy's other checks looking at an unresolved section.
    minErrors: z.number().optional(),
  })
  .default({})
  .transform((value, ctx): BurnRateSettings => {
    const guard = value.minErrors;
    if (guard !== undefined && !(Number.isInteger(guard) && guard >= 0 && guard <= MAX_MIN_ERRORS)) {
      const message = Number.isInteger(guard) ? `must be from 0 (no guard) to ${MAX_MIN_ERRORS}` : 'must be a whole number of failed requests, e.g. 20';
      ctx.addIssue({ code: 'custom', path: ['minErrors'], message });
      return z.NEVER;
    }
    if (value.preset !== undefined && value.rules !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['rules'],
        message: `cannot be combined with burnRate.preset (${value.preset}): remove one (a policy that extends another inherits its preset)`,
      });
      return z.NEVER;
    }
    if (value.rules !== undefined) return { preset: 'custom', rules: value.rules, minErrors: value.minErrors ?? 0 };
    const preset = value.preset ?? 'gating';
    return { preset, rules: PRESETS[preset].rules.map((r) => ({ ...r })), minErrors: value.minErrors ?? PRESETS[preset].minErrors };
  });
