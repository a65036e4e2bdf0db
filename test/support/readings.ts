import type { Readings, WindowReading } from '../../src/gate/types.js';
import { validatePolicy } from '../../src/policy/parse-policy.js';
import type { Policy } from '../../src/policy/schema.js';

/** An SLO as a policy file would write it, with a 99.9% objective unless told otherwise. */
export function slo(name: string, objective = 99.9): Record<string, unknown> {
  return {
    name,
    objective,
    sli: {
      events: {
        errorQuery: `sum(rate(http_requests_total{job="${name}",code=~"5.."}[{{.window}}]))`,
        totalQuery: `sum(rate(http_requests_total{job="${name}"}[{{.window}}]))`,
      },
    },
  };
}

/**
 * A policy validated like a real one, so every default applies. One `checkout` SLO unless `slos` is
 * given, and the Workbook paging rules (fast 1h/5m, slow 6h/30m) unless `burnRate` is: the tables
 * of readings below are written for them. Pass `burnRate: {}` for the gating defaults.
 */
export function policyWith(fields: Record<string, unknown> = {}): Policy {
  return validatePolicy({ slos: [slo('checkout')], burnRate: { preset: 'workbook-paging' }, ...fields });
}

/** A window's value in a table row: an error ratio (NaN = no traffic) or, as a string, the reason it is missing. */
export type WindowValue = number | string;

/** Readings by SLO, then window. A window left out was not measured at all. */
export function readingsOf(slos: Record<string, Record<string, WindowValue>>): Readings {
  return new Map(
    Object.entries(slos).map(([name, windows]) => [
      name,
      new Map(Object.entries(windows).map(([window, value]): [string, WindowReading] => [window, toReading(value)])),
    ]),
  );
}

function toReading(value: WindowValue): WindowReading {
  return typeof value === 'number' ? { ok: true, ratio: value } : { ok: false, reason: value };
}

/** Every window of the default rules and the 30d period, all at the same error ratio. */
export function allWindows(ratio: number): Record<string, number> {
  return { '1h': ratio, '5m': ratio, '6h': ratio, '30m': ratio, '30d': ratio };
}

/** A healthy service: no errors in any default window. */
export const QUIET = allWindows(0);
