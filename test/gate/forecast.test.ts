import { describe, expect, it } from 'vitest';
import { assess } from '../../src/gate/assess.js';
import { decide } from '../../src/gate/decide.js';
import { forecastBudget } from '../../src/gate/forecast.js';
import type { RuleResult } from '../../src/gate/types.js';
import { policyWith, QUIET, readingsOf, type WindowValue } from '../support/readings.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PERIOD = 30 * DAY;

/** One rule whose long window (6h) reads `burn`. */
function rules(burn: number | undefined): RuleResult[] {
  const window = { window: '6h', burnRate: burn, noTraffic: false, missing: burn === undefined ? 'timed out' : undefined };
  return [{ rule: { name: 'slow', long: '6h', short: '30m', factor: 6 }, long: window, short: { ...window, window: '30m' }, state: 'quiet' }];
}

describe('forecasting the budget at the current net burn (new errors minus old ones ageing out)', () => {
  it.each<{ name: string; left: number; burn: number; goneInMs: number | undefined }>([
    { name: 'runs out in 15 days with half the budget left, burning 1.5× against an average of 0.5×', left: 0.5, burn: 1.5, goneInMs: 15 * DAY },
    { name: 'runs out in exactly one period: still within it', left: 0.5, burn: 1, goneInMs: PERIOD },
    { name: 'says nothing when it would take longer than the period', left: 0.9, burn: 0.95, goneInMs: undefined },
    { name: 'says nothing while the burn equals the average: the budget holds', left: 0.5, burn: 0.5, goneInMs: undefined },
    { name: 'says nothing while it recovers', left: 0.5, burn: 0.2, goneInMs: undefined },
    { name: 'says nothing for a budget already spent', left: -0.1, burn: 3, goneInMs: undefined },
  ])('$name', ({ left, burn, goneInMs }) => {
    const forecast = forecastBudget({ left }, rules(burn), '30d');
    expect(forecast?.netBurn).toBeCloseTo(burn - (1 - left), 9);
    if (goneInMs === undefined) expect(forecast?.goneInMs).toBeUndefined();
    else expect(forecast!.goneInMs! / goneInMs).toBeCloseTo(1, 9);
  });

  it('projects the budget left at the end of a horizon', () => {
    const forecast = forecastBudget({ left: 0.2 }, rules(3), '30d', 3 * DAY);
    // 0.2 - (3 - 0.8) x 3/30 = -0.02
    expect(forecast?.leftAfterHorizon).toBeCloseTo(-0.02, 9);
    expect(forecast?.window).toBe('6h');
  });

  it('gives no forecast without the budget, or without the current-burn window', () => {
    expect(forecastBudget({ left: undefined }, rules(3), '30d')).toBeUndefined();
    expect(forecastBudget({ left: 0.5 }, rules(undefined), '30d')).toBeUndefined();
  });
});

describe('blocking on the forecast with budget.horizon (Workbook rules: the current burn is read over 6h)', () => {
  const horizon = policyWith({ budget: { horizon: '3d' } });
  /** 20 % left (average burn 0.8) and `burn6h` over the last 6 hours. */
  const at = (burn6h: number, policy = horizon, extra: Record<string, WindowValue> = {}) =>
    decide(policy, readingsOf({ checkout: { ...QUIET, '6h': burn6h / 1000, '30d': 0.0008, ...extra } }));

  it.each<{ name: string; burn: number; state: string }>([
    { name: 'blocks when the projection reaches exactly 0 % in 3 days (burn 2.8)', burn: 2.8, state: 'failure' },
    { name: 'passes, with a warning, when it stays just above (burn 2.7)', burn: 2.7, state: 'success' },
  ])('$name', ({ burn, state }) => {
    expect(at(burn).state).toBe(state);
  });

  it('names the projection and the horizon in the reason', () => {
    expect(at(3).assessment.reasons[0]).toEqual({
      kind: 'budget-forecast',
      slo: 'checkout',
      leftPercent: expect.closeTo(20, 9),
      projectedPercent: expect.closeTo(-2, 9),
      horizon: '3d',
      blockBelow: 0,
    });
  });

  it('does not forecast-block without a horizon (the default), however fast the budget goes', () => {
    expect(at(3, policyWith()).state).toBe('success');
    expect(assess(policyWith(), readingsOf({ checkout: { ...QUIET, '6h': 0.003, '30d': 0.0008 } })).slos[0]!.forecast?.goneInMs).toBeDefined();
  });

  it('adds no forecast reason to a budget already spent: it blocks as spent', () => {
    expect(at(3, horizon, { '30d': 0.0011 }).assessment.reasons.map((r) => r.kind)).toEqual(['budget-exhausted']);
  });
});

describe('the expected time to pass', () => {
  const policy = policyWith({ budget: { horizon: '3d' } });
  const verdictOf = (windows: Record<string, WindowValue>, extra: Record<string, unknown> = {}) =>
    decide(policyWith(extra), readingsOf({ checkout: { ...QUIET, '30d': 0.0002, ...windows } }));

  it.each<{ name: string; windows: Record<string, WindowValue>; ms: number | undefined; basis?: string }>([
    { name: 'is the fast rule’s 5m short window while it fires', windows: { '1h': 0.02, '5m': 0.02 }, ms: 5 * 60_000, basis: 'errors stop' },
    {
      name: 'is the longest short window of the rules that fire (slow: 30m)',
      windows: { '1h': 0.02, '5m': 0.02, '6h': 0.02, '30m': 0.02 },
      ms: 30 * 60_000,
      basis: 'errors stop',
    },
    {
      name: 'is the budget’s recovery for a spent budget, at the current error rate (10 % overspent, no errors now: 2.7 days)',
      windows: { '30d': 0.0011 },
      ms: (0.1 / 1.1) * PERIOD,
      basis: 'budget recovers',
    },
    { name: 'has no estimate for a spent budget that is not recovering', windows: { '6h': 0.0012, '30d': 0.0011 }, ms: undefined },
    { name: 'is not set while the gate passes', windows: {}, ms: undefined },
  ])('$name', ({ windows, ms, basis }) => {
    const verdict = verdictOf(windows);
    if (ms === undefined) expect(verdict.expectedPassInMs).toBeUndefined();
    else expect(verdict.expectedPassInMs! / ms).toBeCloseTo(1, 9);
    expect(verdict.expectedPassBasis).toBe(basis);
  });

  it('is when the 6h window has let go of enough of today’s errors for a forecast block to clear, if they stopped now', () => {
    // The projection clears once the 6h burn is at most 0.8 + 0.2 x 30/3 = 2.8: from 3, after 6h x (1 - 2.8/3) = 24 min.
    const verdict = decide(policy, readingsOf({ checkout: { ...QUIET, '6h': 0.003, '30d': 0.0008 } }));
    expect(verdict.expectedPassInMs! / (24 * 60_000)).toBeCloseTo(1, 9);
  });

  it('is not set in warn mode or under a bypass: the status already passes', () => {
    expect(verdictOf({ '1h': 0.02, '5m': 0.02 }, { mode: 'warn' }).expectedPassInMs).toBeUndefined();
  });
});
