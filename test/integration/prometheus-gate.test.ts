import { describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { decide } from '../../src/gate/decide.js';
import type { Verdict, WindowBurn } from '../../src/gate/types.js';
import { measure } from '../../src/metrics/measure.js';
import { createPrometheusClient } from '../../src/metrics/prometheus-client.js';
import type { MetricsSource } from '../../src/metrics/source.js';
import { parsePolicyText } from '../../src/policy/parse-policy.js';
import type { Policy } from '../../src/policy/schema.js';
import { freePort } from './global-setup.js';
import { OBJECTIVE, SCENARIOS, WINDOWS, type Window } from './scenarios.js';

/**
 * Relative tolerance for every measured value. Prometheus gets these burn rates exactly: every
 * window edge falls on a sample inside a linear piece of each counter, so rate()'s extrapolation
 * adds nothing, and the error observed with Prometheus 2.42 is float rounding (about 6e-14).
 * 0.1 % leaves room for a server that treats range edges differently (Prometheus 3 drops the
 * sample on the left edge and extrapolates to it, still exact on a linear piece), is far inside
 * the margin between any expected value and its threshold (the closest: a burn rate of 7 against
 * 6, and a budget of -10 % against 0 %), and is tight enough to notice a 31-day window read in
 * place of the 30-day one (0.3 to 0.6 % on fast-burn's and slow-burn's 30-day values).
 */
const TOLERANCE = 0.001;

const prometheus = createPrometheusClient({ url: inject('prometheusUrl') });
const at = new Date(inject('dataNow') * 1000);

const errors = (job: string) => `sum(rate(http_requests_total{job="${job}",code="500"}[{{.window}}]))`;
const total = (job: string) => `sum(rate(http_requests_total{job="${job}"}[{{.window}}]))`;
const events = (job: string) => ({ events: { errorQuery: errors(job), totalQuery: total(job) } });

/**
 * A policy with one SLO and the Workbook paging rules (the windows scenarios.ts works out by hand),
 * through the same parser a repository's file goes through.
 */
function policyFor(name: string, sli: object, options: object = {}): Policy {
  return parsePolicyText(stringify({ burnRate: { preset: 'workbook-paging' }, ...options, slos: [{ name, objective: OBJECTIVE, sli }] }));
}

async function evaluate(policy: Policy, source: MetricsSource = prometheus): Promise<Verdict> {
  return decide(policy, await measure(policy, source, { at }));
}

/** Every rule window of the only SLO, by window. */
function burnsOf(verdict: Verdict): Map<string, WindowBurn> {
  const windows = verdict.assessment.slos[0]!.rules.flatMap((rule) => [rule.long, rule.short]);
  return new Map(windows.map((w) => [w.window, w]));
}

/** The reasons, most important first: a firing rule by its name, anything else by its kind. */
function verdictSummary(verdict: Verdict): string[] {
  return verdict.assessment.reasons.map((r) => (r.kind === 'burn' ? r.rule : r.kind));
}

function expectClose(actual: number | undefined, expected: number, what: string): void {
  expect(actual, what).toBeTypeOf('number');
  if (expected === 0) expect(actual, what).toBe(0);
  else expect(Math.abs(actual! / expected - 1), `${what}: ${actual} vs ${expected}`).toBeLessThan(TOLERANCE);
}

const RULE_WINDOWS = WINDOWS.filter((w): w is Exclude<Window, '30d'> => w !== '30d');

describe('the gate against a real Prometheus', () => {
  for (const { name, story, expected } of SCENARIOS) {
    it(story, async () => {
      const verdict = await evaluate(policyFor(name, events(name)));

      expect(verdict.state).toBe(expected.state);
      expect(verdict.assessment.missing).toEqual([]);
      expect(verdictSummary(verdict)).toEqual([...expected.firing, ...(expected.budget === 'exhausted' ? ['budget-exhausted'] : [])]);
      const burns = burnsOf(verdict);
      for (const window of RULE_WINDOWS) {
        expectClose(burns.get(window)?.burnRate, expected.burn[window], `burn rate over ${window}`);
        expect(burns.get(window)?.noTraffic, `no traffic over ${window}`).toBe(expected.noTraffic);
      }
      const budget = verdict.assessment.slos[0]!.budget;
      expect(budget.state).toBe(expected.budget);
      expect(budget.noTraffic).toBe(expected.noTraffic);
      expectClose(budget.left === undefined ? undefined : 1 - budget.left, expected.burn['30d'], 'burn rate over 30d');
      expectClose(budget.left === undefined ? undefined : budget.left * 100, expected.budgetLeftPercent, 'budget left (%)');
    });
  }

  it('measures the same burn rates from a raw error-ratio query as from the events queries', async () => {
    const raw = { raw: { errorRatioQuery: `${errors('fast-burn')} / ${total('fast-burn')}` } };
    const [fromEvents, fromRaw] = await Promise.all([evaluate(policyFor('fast-burn', events('fast-burn'))), evaluate(policyFor('fast-burn', raw))]);

    expect(fromRaw.state).toBe('failure');
    expect(verdictSummary(fromRaw)).toEqual(['fast', 'slow']);
    expect(verdictSummary(fromRaw)).toEqual(verdictSummary(fromEvents));
    const [eventBurns, rawBurns] = [burnsOf(fromEvents), burnsOf(fromRaw)];
    for (const window of RULE_WINDOWS) expectClose(rawBurns.get(window)?.burnRate, eventBurns.get(window)!.burnRate!, `burn over ${window}`);
    expectClose(fromRaw.assessment.slos[0]!.budget.left, fromEvents.assessment.slos[0]!.budget.left!, 'budget left');
  });

  it('reads the NaN of a raw 0/0 ratio as no traffic, not as missing data', async () => {
    const raw = { raw: { errorRatioQuery: `${errors('no-traffic')} / ${total('no-traffic')}` } };
    const verdict = await evaluate(policyFor('no-traffic', raw));

    expect(verdict.state).toBe('success');
    expect(verdict.assessment.missing).toEqual([]);
    expect([...burnsOf(verdict).values()].every((w) => w.noTraffic && w.burnRate === 0)).toBe(true);
    expect(verdict.assessment.slos[0]!.budget).toMatchObject({ left: 1, noTraffic: true });
  });
});

describe('the gate when Prometheus cannot answer', () => {
  const unreachable = async () => createPrometheusClient({ url: `http://127.0.0.1:${await freePort()}` });

  it('posts an error status, never a pass, while Prometheus is down', async () => {
    const verdict = await evaluate(policyFor('healthy', events('healthy')), await unreachable());

    expect(verdict.state).toBe('error');
    expect(verdict.assessment.missing.map((m) => m.window).sort()).toEqual([...WINDOWS].sort());
    for (const { reason } of verdict.assessment.missing) expect(reason).toMatch(/^errorQuery cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
  });

  it('lets the PR through, listing the missing data, while Prometheus is down and the policy says onMissingData: allow', async () => {
    const verdict = await evaluate(policyFor('healthy', events('healthy'), { onMissingData: 'allow' }), await unreachable());

    expect(verdict.state).toBe('success');
    expect(verdict.wouldBe).toBe('missing');
    expect(verdict.assessment.reasons.map((r) => r.kind)).toEqual(WINDOWS.map(() => 'missing-data'));
    expect(verdict.assessment.missing.map((m) => m.window).sort()).toEqual([...WINDOWS].sort());
  });

  it('suggests `or vector(0)` when the error query matches no series at all', async () => {
    const sli = { events: { errorQuery: errors('no-such-job'), totalQuery: total('healthy') } };
    const verdict = await evaluate(policyFor('healthy', sli));

    expect(verdict.state).toBe('error');
    expect(verdict.assessment.missing).toHaveLength(WINDOWS.length);
    for (const { reason } of verdict.assessment.missing) {
      expect(reason).toBe('errorQuery returned no series (if no errors have happened yet, append `or vector(0)` to errorQuery)');
    }
  });

  it('asks for sum() when the total query returns one series per status code', async () => {
    const sli = { events: { errorQuery: errors('healthy'), totalQuery: 'rate(http_requests_total{job="healthy"}[{{.window}}])' } };
    const verdict = await evaluate(policyFor('healthy', sli));

    expect(verdict.state).toBe('error');
    expect(verdict.assessment.missing).toHaveLength(WINDOWS.length);
    for (const { reason } of verdict.assessment.missing) {
      expect(reason).toBe('totalQuery returned 2 series, not one: aggregate it, e.g. with sum()');
    }
  });

  it("reports Prometheus' own parse error when a query is not valid PromQL", async () => {
    // Policy validation refuses this query now (promql-lint.ts). One that reaches Prometheus all the
    // same (a policy validated before the lint, a grammar that differs) must still bring its error.
    const valid = policyFor('healthy', { events: { errorQuery: total('healthy'), totalQuery: total('healthy') } });
    const sli = { events: { errorQuery: 'sum(rate(http_requests_total{job="healthy",code="500"}[{{.window}}])', totalQuery: total('healthy') } };
    const verdict = await evaluate({ ...valid, slos: valid.slos.map((slo) => ({ ...slo, sli })) });

    expect(verdict.state).toBe('error');
    expect(verdict.assessment.missing).toHaveLength(WINDOWS.length);
    for (const { reason } of verdict.assessment.missing) {
      expect(reason).toMatch(/^errorQuery rejected the query \(bad_data\): 1:\d+: parse error: unclosed left parenthesis$/);
    }
  });
});
