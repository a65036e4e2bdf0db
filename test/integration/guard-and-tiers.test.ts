import { describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { evaluate } from '../../src/evaluate.js';
import { createPrometheusClient } from '../../src/metrics/prometheus-client.js';
import { parsePolicyText } from '../../src/policy/parse-policy.js';
import type { Policy } from '../../src/policy/schema.js';
import { OBJECTIVE } from './scenarios.js';

/**
 * The significance guard and the budget tiers against a real Prometheus, on the services of
 * scenarios.ts. The guard needs counts, so it is tested through the whole path: Prometheus'
 * rate(), measure()'s count (rate × window), then the engine.
 */
const metrics = createPrometheusClient({ url: inject('prometheusUrl') });
const at = new Date(inject('dataNow') * 1000);

/**
 * fast-burn's counters divided by `scale`: the same error ratio (2 % for the last two hours,
 * burn 20) at 10 / scale requests per second.
 */
function scaled(job: string, scale: number) {
  return {
    events: {
      errorQuery: `sum(rate(http_requests_total{job="${job}",code="500"}[{{.window}}])) / ${scale}`,
      totalQuery: `sum(rate(http_requests_total{job="${job}"}[{{.window}}])) / ${scale}`,
    },
  };
}

function policyFor(name: string, sli: object, options: object = {}): Policy {
  return parsePolicyText(stringify({ ...options, slos: [{ name, objective: OBJECTIVE, sli }] }));
}

const firing = (policy: Policy, labels: string[] = []) =>
  evaluate({ policy, metrics, at, labels }).then((verdict) => ({
    state: verdict.state,
    fired: verdict.assessment.reasons.flatMap((r) => (r.kind === 'burn' ? [r.rule] : [])),
    heldBack: verdict.assessment.slos[0]!.rules.flatMap((r) => (r.heldBack ? [r.rule.name] : [])),
    tier: verdict.assessment.tier,
    allowedBy: verdict.allowedBy,
  }));

describe('the significance guard against a real Prometheus', () => {
  it('blocks a service burning at 20× at 10 req/s with every gating rule', async () => {
    expect(await firing(policyFor('fast-burn', scaled('fast-burn', 1)))).toMatchObject({ state: 'failure', fired: ['acute', 'fast', 'slow'], heldBack: [] });
  });

  it('holds back the same 2 % errors at 0.01 req/s: the 1h window holds under one failed request', async () => {
    // 0.01 req/s x 3600 s x 2 % = 0.72 failed requests in the longest window, far under 20.
    expect(await firing(policyFor('fast-burn', scaled('fast-burn', 1000)))).toMatchObject({ state: 'success', fired: [], heldBack: ['acute', 'fast', 'slow'] });
  });

  it('lets the 0.01 req/s burn block again when the guard is off (minErrors: 0)', async () => {
    const verdict = await firing(policyFor('fast-burn', scaled('fast-burn', 1000), { burnRate: { minErrors: 0 } }));
    expect(verdict).toMatchObject({ state: 'failure', fired: ['acute', 'fast', 'slow'], heldBack: [] });
  });

  it('fires on the ratio alone for a raw SLI of the same 0.01 req/s service: no counts, no guard', async () => {
    const raw = {
      raw: {
        errorRatioQuery:
          'sum(rate(http_requests_total{job="fast-burn",code="500"}[{{.window}}])) / sum(rate(http_requests_total{job="fast-burn"}[{{.window}}]))',
      },
    };
    expect(await firing(policyFor('fast-burn', raw))).toMatchObject({ state: 'failure', fired: ['acute', 'fast', 'slow'], heldBack: [] });
  });
});

describe('budget tiers against a real Prometheus', () => {
  // incident: 46.56 % of the budget left, no rule firing now; healthy: 50 % left (scenarios.ts).
  const tiers = (budget: object) => ({ budget: { warnBelow: 60, allowLabels: ['critical-fix'], ...budget } });

  it('blocks a pull request without an allowed label while the budget is restricted (46.6 % left, restricted below 48 %)', async () => {
    expect(await firing(policyFor('incident', scaled('incident', 1), tiers({ restrictBelow: 48 })))).toMatchObject({ state: 'failure', tier: 'restricted' });
  });

  it('lets one labelled critical-fix through the same restriction', async () => {
    const verdict = await firing(policyFor('incident', scaled('incident', 1), tiers({ restrictBelow: 48 })), ['critical-fix']);
    expect(verdict).toMatchObject({ state: 'success', tier: 'restricted', allowedBy: 'critical-fix' });
  });

  it('blocks even a critical-fix once the budget is frozen (frozen below 47 %)', async () => {
    const verdict = await firing(policyFor('incident', scaled('incident', 1), tiers({ restrictBelow: 48, freezeBelow: 47 })), ['critical-fix']);
    expect(verdict).toMatchObject({ state: 'failure', tier: 'frozen' });
  });

  it('passes a service above the restriction, with a warning (50 % left)', async () => {
    expect(await firing(policyFor('healthy', scaled('healthy', 1), tiers({ restrictBelow: 48 })))).toMatchObject({ state: 'success', tier: 'low' });
  });
});
