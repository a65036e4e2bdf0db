/**
 * Synthetic services for the real-Prometheus tests. Pure data: global-setup.ts turns the
 * segments into counters, and the tests compare what Prometheus measures with the expected
 * values below, which are worked out by hand from the same constants (not by re-running the
 * generator).
 *
 * Every service takes a constant number of requests per second; only the fraction of them that
 * fail changes, at segment boundaries given in seconds relative to T0 (the evaluation time).
 * Over a window the error ratio is therefore the time-weighted mean of the fractions, and the
 * burn rate is that ratio over the error budget (0.001 for 99.9 %).
 *
 * Margins, so Prometheus' rate() extrapolation can never flip a verdict: the closest burn rate
 * to a rule's factor is fast-burn's 6h at 7 against 6 (17 % above); the closest budget is
 * exhausted's -10 % against the 0 % block line, and every budget that should pass is at least
 * 41.7 % against the 25 % warning line. No window edge (T0 - 5m, 30m, 1h, 6h, 30d) lies near a
 * segment boundary (T0 - 2h, 2h30m, 3h, 8h), so each edge sits inside a linear piece of the
 * counter, where extrapolation is exact.
 *
 * The backtests (backtest.test.ts) evaluate at whole minutes, which fall on samples: every window
 * edge then has a sample on it, and rate() is exactly the mean rate over the window.
 */

import type { SyntheticService } from '../support/prometheus-harness.js';

export const HOUR = 3600;
export const DAY = 86_400;

/** The SLO every scenario uses: 99.9 % over the default 30 days. */
export const OBJECTIVE = 99.9;
export const BUDGET = 0.001;

/** The windows the default rules (fast 1h/5m x14.4, slow 6h/30m x6) and the 30d period read. */
export const WINDOWS = ['1h', '5m', '6h', '30m', '30d'] as const;
export type Window = (typeof WINDOWS)[number];

/** Generated data covers [T0 - 31d, T0 + 1h]: 60s samples until T0 - 7h, then 15s samples. */
export const DATA_FROM = -31 * DAY;
export const DATA_UNTIL = 1 * HOUR;
export const FINE_FROM = -7 * HOUR;
export const COARSE_STEP = 60;
export const FINE_STEP = 15;

const REQUESTS_PER_SECOND = 10;
export const BASELINE = 0.0005; // 0.05 % errors: burn 0.5
const FAST = 0.02; // 2 % errors: burn 20, over the fast rule's 14.4
const SLOW = 0.008; // 0.8 % errors: burn 8, over the slow rule's 6 and under the fast rule's 14.4
const OVERSPENT = 0.0011; // 0.11 % errors: burn 1.1, 10 % more than the whole budget
export const INCIDENT = 0.05; // 5 % errors: burn 50

/** The incident scenario's outage: 5 % errors over [T0 - 3h, T0 - 2h30m), baseline around it. */
export const INCIDENT_FROM = -3 * HOUR;
export const INCIDENT_UNTIL = -2.5 * HOUR;

export interface Expected {
  /** Commit status with the default `onMissingData: block`. */
  state: 'success' | 'failure';
  /** Burn-rate rules that fire, in policy order. */
  firing: string[];
  budget: 'ok' | 'exhausted';
  /** Burn rate measured over each window. */
  burn: Record<Window, number>;
  /** Percent of the 30-day error budget left: (1 - burn over 30d) * 100. */
  budgetLeftPercent: number;
  noTraffic: boolean;
}

/** A synthetic service (its name is also the `job` label and the SLO name) and what the gate must find. */
export interface Scenario extends SyntheticService {
  story: string;
  expected: Expected;
}

const burn = (errorRatio: number) => errorRatio / BUDGET;
const left = (burn30d: number) => (1 - burn30d) * 100;
const everywhere = (value: number): Record<Window, number> => ({ '5m': value, '30m': value, '1h': value, '6h': value, '30d': value });

// fast-burn: 2 % since T0 - 2h. The 6h window holds 4h of baseline and 2h of fast burn: burn 7.
const FAST_6H = burn((4 * BASELINE + 2 * FAST) / 6);
// ... and the 30d window 718h of baseline and 2h of fast burn: burn 0.5542, 44.58 % left.
const FAST_30D = burn((718 * BASELINE + 2 * FAST) / 720);
// incident: at T0 the 6h window holds 30 min of 5 % and 5h30m of baseline: burn 4.625, under the slow
// rule's 6 (it never reaches 6 at any moment: 30 min is all the 6h window ever holds). The 30d
// window: burn 0.534375, 46.56 % left. Every window shorter than 2h30m has only baseline at T0.
const INCIDENT_6H = burn((0.5 * INCIDENT + 5.5 * BASELINE) / 6);
const INCIDENT_30D = burn((0.5 * INCIDENT + 719.5 * BASELINE) / 720);
// slow-burn: 0.8 % since T0 - 8h, so every rule window is all slow burn; 30d: burn 0.5833, 41.67 % left.
const SLOW_30D = burn((712 * BASELINE + 8 * SLOW) / 720);

export const SCENARIOS: Scenario[] = [
  {
    name: 'healthy',
    story: 'passes a PR while the service burns its budget at half the sustainable rate',
    requestsPerSecond: REQUESTS_PER_SECOND,
    segments: [{ from: DATA_FROM, errorFraction: BASELINE }],
    expected: { state: 'success', firing: [], budget: 'ok', burn: everywhere(0.5), budgetLeftPercent: 50, noTraffic: false },
  },
  {
    name: 'fast-burn',
    story: 'blocks a PR while the 1h and 5m burn rates both exceed 14.4',
    requestsPerSecond: REQUESTS_PER_SECOND,
    segments: [
      { from: DATA_FROM, errorFraction: BASELINE },
      { from: -2 * HOUR, errorFraction: FAST },
    ],
    expected: {
      state: 'failure',
      // Two hours of fast burn also lift the 6h window over 6: the slow rule fires too.
      firing: ['fast', 'slow'],
      budget: 'ok',
      burn: { '5m': 20, '30m': 20, '1h': 20, '6h': FAST_6H, '30d': FAST_30D },
      budgetLeftPercent: left(FAST_30D),
      noTraffic: false,
    },
  },
  {
    name: 'slow-burn',
    story: 'blocks a PR on the slow rule alone while the 6h and 30m burn rates exceed 6 but stay under 14.4',
    requestsPerSecond: REQUESTS_PER_SECOND,
    segments: [
      { from: DATA_FROM, errorFraction: BASELINE },
      { from: -8 * HOUR, errorFraction: SLOW },
    ],
    expected: {
      state: 'failure',
      firing: ['slow'],
      budget: 'ok',
      burn: { '5m': 8, '30m': 8, '1h': 8, '6h': 8, '30d': SLOW_30D },
      budgetLeftPercent: left(SLOW_30D),
      noTraffic: false,
    },
  },
  {
    name: 'exhausted',
    story: 'blocks a PR once the 30-day budget is overspent, though no burn-rate rule fires',
    requestsPerSecond: REQUESTS_PER_SECOND,
    segments: [{ from: DATA_FROM, errorFraction: OVERSPENT }],
    expected: { state: 'failure', firing: [], budget: 'exhausted', burn: everywhere(1.1), budgetLeftPercent: -10, noTraffic: false },
  },
  {
    name: 'incident',
    story: 'passes a PR two and a half hours after a 30-minute outage, once both fast-rule windows have cooled down',
    requestsPerSecond: REQUESTS_PER_SECOND,
    segments: [
      { from: DATA_FROM, errorFraction: BASELINE },
      { from: INCIDENT_FROM, errorFraction: INCIDENT },
      { from: INCIDENT_UNTIL, errorFraction: BASELINE },
    ],
    expected: {
      state: 'success',
      firing: [],
      budget: 'ok',
      burn: { '5m': 0.5, '30m': 0.5, '1h': 0.5, '6h': INCIDENT_6H, '30d': INCIDENT_30D },
      budgetLeftPercent: left(INCIDENT_30D),
      noTraffic: false,
    },
  },
  {
    name: 'no-traffic',
    story: 'passes a PR for a service whose counters exist but never move, reporting no traffic',
    requestsPerSecond: 0,
    segments: [{ from: DATA_FROM, errorFraction: 0 }],
    expected: { state: 'success', firing: [], budget: 'ok', burn: everywhere(0), budgetLeftPercent: 100, noTraffic: true },
  },
];

export function scenario(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`no scenario named ${name}`);
  return found;
}
