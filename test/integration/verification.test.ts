import { describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { assess } from '../../src/gate/assess.js';
import { verify } from '../../src/gate/verify.js';
import { measure } from '../../src/metrics/measure.js';
import { createPrometheusClient } from '../../src/metrics/prometheus-client.js';
import type { MetricsSource } from '../../src/metrics/source.js';
import { measureDeployment } from '../../src/metrics/verification.js';
import { parsePolicyText } from '../../src/policy/parse-policy.js';
import { freePort } from './global-setup.js';
import { BASELINE, HOUR, INCIDENT, INCIDENT_FROM, OBJECTIVE } from './scenarios.js';

/**
 * Post-deploy verification against the real Prometheus: the baseline before a deployment is
 * measured after the fact with instant queries at the deploy time. Every window edge falls on a
 * sample inside a linear piece of each counter (see scenarios.ts), so the ratios are exact up to
 * float rounding; 0.1 % as in prometheus-gate.test.ts.
 */
const TOLERANCE = 0.001;
const prometheus = createPrometheusClient({ url: inject('prometheusUrl') });
const t0 = inject('dataNow') * 1000;
const MINUTE = 60_000;
const REQUESTS_PER_SECOND = 10;

const policyFor = (job: string) =>
  parsePolicyText(
    stringify({
      slos: [
        {
          name: job,
          objective: OBJECTIVE,
          sli: {
            events: {
              errorQuery: `sum(rate(http_requests_total{job="${job}",code="500"}[{{.window}}]))`,
              totalQuery: `sum(rate(http_requests_total{job="${job}"}[{{.window}}]))`,
            },
          },
        },
      ],
      burnRate: {
        rules: [
          { name: 'fast', long: '1h', short: '5m', factor: 14.4 },
          { name: 'slow', long: '6h', short: '30m', factor: 6 },
        ],
      },
      environments: { production: { verify: { after: ['15m'] } } },
    }),
  );

async function check(job: string, deployedAt: Date, at: Date, source: MetricsSource = prometheus) {
  const policy = policyFor(job);
  const [readings, windows] = await Promise.all([measureDeployment(policy, source, { deployedAt, at }), measure(policy, source, { at })]);
  return {
    readings: readings.get(job)!,
    verification: verify(policy, readings, assess(policy, windows), { elapsedMs: at.getTime() - deployedAt.getTime(), regressionFactor: 5 }),
  };
}

function expectClose(actual: number | undefined, expected: number, what: string): void {
  expect(actual, what).toBeTypeOf('number');
  expect(Math.abs(actual! / expected - 1), `${what}: ${actual} vs ${expected}`).toBeLessThan(TOLERANCE);
}

describe('post-deploy verification against a real Prometheus', () => {
  it('flags a deployment that went out as the incident began: 50× since the deploy against 0.5× before it', async () => {
    // The incident scenario fails 5 % of requests from T0 - 3h; deployed then, checked 15 minutes later.
    const deployedAt = new Date(t0 + INCIDENT_FROM * 1000);
    const { readings, verification } = await check('incident', deployedAt, new Date(deployedAt.getTime() + 15 * MINUTE));

    expect(verification.state).toBe('regression');
    const [result] = verification.slos;
    expect(result!.triggers).toEqual(['compared-to-before']);
    expect(result!.firingRules).toEqual([]); // 15 minutes of 5 % lift the 1h window to 12.9×, under 14.4×
    expectClose(result!.burnAfter, INCIDENT / 0.001, 'burn since the deploy');
    expectClose(result!.burnBefore, BASELINE / 0.001, 'burn before the deploy');
    expectClose(readings.requests, REQUESTS_PER_SECOND * 15 * 60, 'requests since the deploy');
    // 15 minutes at 50× of a 30-day budget: 50 × 15 / 43,200.
    expectClose(result!.budgetSpent, (50 * 15) / 43_200, 'budget spent');
  });

  it('passes a deployment to a service that burns as it did before', async () => {
    const deployedAt = new Date(t0 - 1 * HOUR * 1000);
    const { verification } = await check('healthy', deployedAt, new Date(deployedAt.getTime() + 30 * MINUTE));

    expect(verification.state).toBe('clean');
    expectClose(verification.slos[0]!.burnAfter, 0.5, 'burn since the deploy');
    expectClose(verification.slos[0]!.burnBefore, 0.5, 'burn before the deploy');
  });

  it('reports missing data, never a clean check, while Prometheus is down', async () => {
    const down = createPrometheusClient({ url: `http://127.0.0.1:${await freePort()}` });
    const deployedAt = new Date(t0 - 1 * HOUR * 1000);
    const { verification } = await check('healthy', deployedAt, new Date(deployedAt.getTime() + 15 * MINUTE), down);

    expect(verification.state).toBe('missing');
    expect(verification.slos[0]!.missing).toMatch(/^since the deploy: errorQuery cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
  });
});
