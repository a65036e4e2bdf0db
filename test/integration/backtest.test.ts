import { describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { backtest } from '../../src/backtest/backtest.js';
import { MAX_POINTS_PER_REQUEST, createPrometheusRangeClient } from '../../src/metrics/prometheus-client.js';
import { stepTimes, type RangeSource, type TimeRange } from '../../src/metrics/range-source.js';
import { parsePolicyText } from '../../src/policy/parse-policy.js';
import type { Policy } from '../../src/policy/schema.js';
import { freePort } from './global-setup.js';
import { BASELINE, BUDGET, DAY, HOUR, INCIDENT, INCIDENT_FROM, INCIDENT_UNTIL, OBJECTIVE } from './scenarios.js';

const prometheus = createPrometheusRangeClient({ url: inject('prometheusUrl'), timeoutMs: 30_000 });
const T0 = inject('dataNow');

const events = (job: string) => ({
  events: {
    errorQuery: `sum(rate(http_requests_total{job="${job}",code="500"}[{{.window}}]))`,
    totalQuery: `sum(rate(http_requests_total{job="${job}"}[{{.window}}]))`,
  },
});

/** A policy with one SLO and the Workbook paging rules (fast: 1h and 5m over 14.4; slow: 6h and 30m over 6). */
function policyFor(job: string): Policy {
  return parsePolicyText(stringify({ slos: [{ name: job, objective: OBJECTIVE, sli: events(job) }], burnRate: { preset: 'workbook-paging' } }));
}

/** From `from` to `to` seconds relative to T0. */
function rangeOf(from: number, to: number, stepSeconds: number): TimeRange {
  return { start: new Date((T0 + from) * 1000), end: new Date((T0 + to) * 1000), stepSeconds };
}

/**
 * How many minutes of the incident a window of `minutes` must hold for its burn rate to exceed
 * the fast rule's 14.4: m * INCIDENT + (minutes - m) * BASELINE > 14.4 * BUDGET * minutes.
 * The 1h window needs 16.85 minutes, the 5m window 1.40.
 */
function incidentMinutesToFire(minutes: number): number {
  return ((14.4 * BUDGET - BASELINE) * minutes) / (INCIDENT - BASELINE);
}

/**
 * The fast rule fires while both windows hold enough of the incident. It starts once the 1h window
 * holds 16.85 minutes of it (the 5m window needed only 1.40); it stops once the 5m window, sliding
 * past the incident's end, holds less than 1.40 minutes of it: 5 - 1.40 = 3.60 minutes after the
 * end (the 1h window would hold enough for another 43 minutes). Exact moments, relative to T0:
 */
const FIRES_FROM = INCIDENT_FROM + incidentMinutesToFire(60) * 60;
const FIRES_UNTIL = INCIDENT_UNTIL + (5 - incidentMinutesToFire(5)) * 60;

/**
 * A step sees a crossing at the first step at or after it. Prometheus 2 reads every window edge
 * from a sample here and gets the exact moment; a server that extrapolates differently around the
 * incident's edges may see it one step later, hence the tolerance of one step.
 */
function expectFirstStepAfter(actual: number, crossing: number, step: number, what: string): void {
  expect(actual - T0, `${what}: ${actual - T0}s vs crossing at ${crossing}s`).toBeGreaterThanOrEqual(crossing);
  expect(actual - T0, `${what}: ${actual - T0}s vs crossing at ${crossing}s`).toBeLessThanOrEqual(crossing + step);
}

/** Counts range queries, and the HTTP requests they take (one per 10,000 steps). */
function counting(source: RangeSource) {
  const counts = { queries: 0, requests: 0 };
  const wrapped: RangeSource = {
    queryRange(query, range) {
      counts.queries++;
      counts.requests += Math.ceil(stepTimes(range).length / MAX_POINTS_PER_REQUEST);
      return source.queryRange(query, range);
    },
  };
  return { counts, source: wrapped };
}

describe('backtesting a policy against a real Prometheus', () => {
  it.each([
    { step: 60, label: '1m' },
    { step: 300, label: '5m' },
  ])('finds the 30-minute incident three hours ago as one fast-rule episode, at $label steps', async ({ step }) => {
    const timeline = await backtest({ policy: policyFor('incident'), source: prometheus, range: rangeOf(-4 * HOUR, 0, step) });

    expect(timeline.totals.steps).toBe((4 * HOUR) / step + 1);
    expect(timeline.episodes).toHaveLength(1);
    const [episode] = timeline.episodes;
    expect(episode).toMatchObject({ state: 'failure', reasons: [{ kind: 'burn', slo: 'incident', rule: 'fast' }] });
    expectFirstStepAfter(episode!.start, FIRES_FROM, step, 'start');
    expectFirstStepAfter(episode!.end, FIRES_UNTIL, step, 'end');
    expect(timeline.totals).toMatchObject({ episodes: 1, secondsBlocked: episode!.end - episode!.start, secondsInError: 0 });
  });

  it('finds no episode for a service that burns its budget at half the sustainable rate', async () => {
    const timeline = await backtest({ policy: policyFor('healthy'), source: prometheus, range: rangeOf(-4 * HOUR, 0, 60) });

    expect(timeline.episodes).toEqual([]);
    expect(timeline.totals).toMatchObject({ steps: 241, episodes: 0, secondsBlocked: 0, secondsInError: 0, stepsWarned: 0 });
    expect(timeline.totals.lowestBudgetLeft).toBeCloseTo(0.5, 3); // 0.05% errors against a 0.1% budget
  });

  it('replays a week at 5m steps in ten range queries, one HTTP request each, not thousands', async () => {
    const { counts, source } = counting(prometheus);
    const timeline = await backtest({ policy: policyFor('incident'), source, range: rangeOf(-7 * DAY, 0, 300) });

    expect(timeline.totals.steps).toBe((7 * DAY) / 300 + 1);
    // An errorQuery and a totalQuery for each window: 1h, 5m, 6h, 30m, 30d.
    expect(counts).toEqual({ queries: 10, requests: 10 });
    expect(timeline.episodes).toHaveLength(1);
    expectFirstStepAfter(timeline.episodes[0]!.start, FIRES_FROM, 300, 'start');
  });

  it('reports every step as missing data, one error episode over the whole range, while Prometheus is down', async () => {
    const down = createPrometheusRangeClient({ url: `http://127.0.0.1:${await freePort()}` });
    const timeline = await backtest({ policy: policyFor('healthy'), source: down, range: rangeOf(-4 * HOUR, 0, 300) });

    expect(timeline.episodes).toHaveLength(1);
    const [episode] = timeline.episodes;
    expect(episode).toMatchObject({ state: 'error', start: T0 - 4 * HOUR, end: T0, steps: 49 });
    expect(episode!.reasons).toEqual([
      { kind: 'missing-data', slo: 'healthy', reason: expect.stringMatching(/^errorQuery cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/) },
    ]);
    // No budget was measured, so no time counts in any budget tier.
    expect(timeline.totals).toEqual({
      steps: 49,
      episodes: 1,
      secondsBlocked: 0,
      secondsInError: 4 * HOUR,
      stepsWarned: 0,
      lowestBudgetLeft: undefined,
      secondsByTier: { ok: 0, low: 0, restricted: 0, frozen: 0, exhausted: 0 },
    });
  });
});
