/**
 * The deployment doors through the real app against the real test Prometheus (31 days of synthetic
 * counters, see scenarios.ts), GitHub behind nock. The app's clock is the test's: a metrics source
 * evaluates each instant query at that clock, so "now" can be during the incident (5 % errors over
 * [T0 - 3h, T0 - 2h30m)) and then at T0, after it. Delayed jobs wait for that clock too, except in
 * the replica story, where two app instances share a real Redis and its real delays.
 */
import { randomUUID } from 'node:crypto';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { stringify } from 'yaml';
import type { Annotation } from '../../src/integrations/grafana.js';
import { createPrometheusClient } from '../../src/metrics/prometheus-client.js';
import type { MetricsSource } from '../../src/metrics/source.js';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { createRedisStore } from '../../src/state/redis-store.js';
import type { Store } from '../../src/state/store.js';
import { deploymentProtectionRuleRequested } from '../fixtures/webhooks/deployment_protection_rule.requested.js';
import { DEPLOYED_SHA, RUN_ID, deploymentGitHub, unansweredRequests } from '../support/deployment-github.js';
import { createTestProbot, examplePayload, settleApps, type TestProbotOptions } from '../support/probot.js';
import { virtualTime, type VirtualTime } from '../support/virtual-time.js';
import { HOUR, OBJECTIVE } from './scenarios.js';

const prometheus = createPrometheusClient({ url: inject('prometheusUrl') });
const T0 = inject('dataNow') * 1000;
const MINUTE = 60_000;
const RECHECK_MS = 5 * MINUTE;
/** Twenty minutes into the incident's 30-minute outage: every gating rule fires. */
const DURING = T0 - 2 * HOUR * 1000 - 40 * MINUTE;

/** Prometheus, asked at the app's clock: instant queries without a time of their own are evaluated then. */
function atTheClock(now: () => number): MetricsSource {
  return { queryScalar: (query, at, signal) => prometheus.queryScalar(query, at ?? new Date(now()), signal) };
}

/** `.github/slo-gate.yml` with one SLO on a synthetic service, the default (gating) rules, and `production`. */
function policyFor(job: string, production: object): string {
  const sli = {
    events: {
      errorQuery: `sum(rate(http_requests_total{job="${job}",code="500"}[{{.window}}]))`,
      totalQuery: `sum(rate(http_requests_total{job="${job}"}[{{.window}}]))`,
    },
  };
  return stringify({ slos: [{ name: job, objective: OBJECTIVE, sli }], environments: { production } });
}

const ruleRequest = () => structuredClone(deploymentProtectionRuleRequested) as any;

let unanswered: ReturnType<typeof unansweredRequests>;
let stores: Store[] = [];
let deliveries = 0;

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1'); // the test Prometheus and Redis
  unanswered = unansweredRequests(/^http:\/\/127\.0\.0\.1:\d+\//);
});

afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  stores = [];
  await settleApps();
  unanswered.stop();
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, 'every expected request was made').toEqual([]);
  expect(unanswered.list, 'no request went anywhere nock had no answer for').toEqual([]);
});

/** The app on an in-memory store whose delayed jobs wait for the test's clock, which starts at `start`. */
async function appAt(start: number, options: TestProbotOptions = {}) {
  const time: VirtualTime = virtualTime(createMemoryStore(), start);
  stores.push(time.store);
  const probot = await createTestProbot(atTheClock(time.now), {
    store: time.store,
    now: time.now,
    queryCacheTtlMs: 0,
    recheckIntervalMs: RECHECK_MS,
    ...options,
  });
  const receive = (name: string, payload: unknown) => probot.receive({ id: `deployments-it-${++deliveries}`, name, payload } as any);
  return { time, receive };
}

describe('a deployment protection rule against the real Prometheus', () => {
  it('approves a deployment of a service burning half its sustainable rate', async () => {
    const gh = deploymentGitHub().token().policy(policyFor('healthy', {})).review();
    const { receive } = await appAt(T0);
    await receive('deployment_protection_rule', ruleRequest());
    await vi.waitFor(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.decisions[0]).toMatchObject({ runId: RUN_ID, environment_name: 'production', state: 'approved' });
    expect(gh.decisions[0]!.comment).toContain('OK: 50% of error budget left, highest burn 0.5×');
  });

  it('rejects a deployment during an incident when waitFor is 0, with the burn rates that block it', async () => {
    const gh = deploymentGitHub().token().policy(policyFor('incident', {})).review();
    const { receive } = await appAt(DURING);
    await receive('deployment_protection_rule', ruleRequest());
    await vi.waitFor(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.decisions[0]).toMatchObject({ state: 'rejected' });
    expect(gh.decisions[0]!.comment.length).toBeLessThanOrEqual(1024);
    // The gating rules, all three: 20 minutes of 5 % errors end the windows of each.
    expect(gh.decisions[0]!.comment).toContain('Blocked: incident burning 50× over 5m and 50× over 1m (limit 14.4×) (+2 more)');
    expect(gh.decisions[0]!.comment).toContain('- incident burning 50× over 15m and 50× over 5m (limit 3.6×)');
    expect(gh.decisions[0]!.comment).toContain('- incident burning 17× over 1h and 50× over 15m (limit 1.5×)');
  });

  it('holds a deployment during the incident and approves it once the burn has subsided', async () => {
    const policy = policyFor('incident', { waitFor: '3h' });
    const gh = deploymentGitHub().token().policy(policy).review();
    const { time, receive } = await appAt(DURING);
    await receive('deployment_protection_rule', ruleRequest());
    await vi.waitFor(() => expect(gh.progress).toHaveLength(1));
    expect(gh.progress[0]!.comment).toContain('- **incident**: rule `acute` stops blocking about 1m after the errors stop (now 50× over 1m, limit 14.4×)');
    await vi.waitFor(() => expect(time.waiting().map((w) => w.inMs)).toEqual([RECHECK_MS]));

    gh.policy(policy); // five minutes on, the short windows still hold the incident: no decision, no new report
    await time.advance(RECHECK_MS);
    await vi.waitFor(() => expect(time.waiting().map((w) => w.inMs)).toEqual([RECHECK_MS]));
    expect(gh.decisions).toEqual([]);

    gh.policy(policy).review();
    await time.advance(T0 - time.now());
    await vi.waitFor(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.decisions[0]).toMatchObject({ state: 'approved' });
    expect(gh.decisions[0]!.comment).toContain('OK: 47% of error budget left, highest burn 0.5×');
    expect(gh.decisions[0]!.comment).toContain('Approved after waiting 3 h for the error budget to recover.');
    expect(gh.progress).toHaveLength(1);
  });
});

describe('post-deploy verification against the real Prometheus', () => {
  const verified = (job: string) => policyFor(job, { verify: { after: ['5m', '15m'] } });
  const succeededAt = (deployedAt: number) =>
    examplePayload(
      'deployment_status',
      (e) => e.installation && e.deployment_status.state === 'success',
      (p) => (p.deployment_status.created_at = new Date(deployedAt).toISOString()),
    );

  it('fails the verification of a deployment that went out as the incident began, at the first check', async () => {
    const deployedAt = T0 - 3 * HOUR * 1000;
    const annotations: Annotation[] = [];
    const gh = deploymentGitHub().token().commit(DEPLOYED_SHA).policy(verified('incident')).status(DEPLOYED_SHA);
    const { time, receive } = await appAt(deployedAt, { annotate: async (a) => void annotations.push(a) });
    await receive('deployment_status', succeededAt(deployedAt));
    expect(gh.recorded.statuses.map((s) => [s.context, s.state])).toEqual([['slo-gate/production/verify', 'pending']]);

    gh.policy(verified('incident')).status(DEPLOYED_SHA).pullsOfCommit(DEPLOYED_SHA, [2, 3]).commentOn(2).commentOn(3);
    await time.advance(5 * MINUTE);
    await vi.waitFor(() => expect(annotations).toHaveLength(2));
    expect(gh.recorded.statuses[1]).toEqual({
      context: 'slo-gate/production/verify',
      state: 'failure',
      description: 'Regression 5 min after deploy: incident burning 50× (was 0.5×)',
    });
    // 5 minutes at 10 requests a second, 5 % of them failing; 50× for 5 minutes of a 30-day budget: 50 × 5 / 43,200.
    expect(gh.pullComments[0]!.body).toContain('| incident | 0.5× | **50×** | 3,000 | 0.6% | 🔥 regression |');
    expect(gh.pullComments[0]!.body).toContain('and has burn-rate rules `acute`, `fast`, `slow` firing.');
    expect(gh.pullComments.map((c) => c.number)).toEqual([2, 3]);
    expect(annotations.map((a) => a.tags.at(-1))).toEqual(['success', 'regression']);
    await vi.waitFor(async () => expect(await time.store.jobs.pending()).toBe(0));
  });

  it('passes a deployment of a service that burns after it as it did before, after the last check', async () => {
    const deployedAt = T0 - 1 * HOUR * 1000;
    const gh = deploymentGitHub().token().commit(DEPLOYED_SHA).policy(verified('healthy')).status(DEPLOYED_SHA);
    const { time, receive } = await appAt(deployedAt);
    await receive('deployment_status', succeededAt(deployedAt));

    gh.policy(verified('healthy')).status(DEPLOYED_SHA);
    await time.advance(5 * MINUTE);
    await vi.waitFor(() => expect(gh.recorded.statuses).toHaveLength(2));
    await vi.waitFor(() => expect(time.waiting().map((w) => w.inMs)).toEqual([10 * MINUTE]));
    gh.policy(verified('healthy')).status(DEPLOYED_SHA);
    await time.advance(10 * MINUTE);
    await vi.waitFor(() => expect(gh.recorded.statuses).toHaveLength(3));
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['pending', 'pending', 'success']);
    expect(gh.recorded.statuses[2]!.description).toBe('No regression 15 min after deploy: highest burn 0.5× (healthy, was 0.5×)');
    expect(gh.pullComments).toEqual([]);
    await vi.waitFor(async () => expect(await time.store.jobs.pending()).toBe(0));
  });
});

describe('two replicas sharing one Redis', () => {
  it('let the second replica finish the wait of a deployment the first one accepted before it died, with one decision', async () => {
    const url = inject('redisUrl');
    const prefix = `slo-gate-deployments-${randomUUID().slice(0, 8)}`;
    let now = DURING;
    const clock = () => now;
    const replica = async () => {
      const store = createRedisStore({ url, prefix, log: { warn: () => {} }, backoffMs: 20 });
      stores.push(store);
      // A re-check every 300 ms: a waiting request looks again after 1 s, the shortest wait between looks.
      const probot = await createTestProbot(atTheClock(clock), { store, now: clock, queryCacheTtlMs: 0, recheckIntervalMs: 300 });
      return { store, probot };
    };
    const policy = policyFor('incident', { waitFor: '3h' });
    const gh = deploymentGitHub().token().policy(policy).review();
    const a = await replica();
    await a.probot.receive({ id: 'rule-on-a', name: 'deployment_protection_rule', payload: ruleRequest() } as any);
    await vi.waitFor(() => expect(gh.progress).toHaveLength(1));
    await vi.waitFor(async () => expect(await a.store.jobs.pending()).toBe(1)); // the wait goes on, in Redis
    await a.store.close(); // replica A goes away while the deployment waits

    now = T0; // the incident is over
    gh.token().policy(policy).review();
    const b = await replica();
    await vi.waitFor(() => expect(gh.decisions).toHaveLength(1), { timeout: 10_000 });
    expect(gh.decisions[0]).toMatchObject({ runId: RUN_ID, environment_name: 'production', state: 'approved' });
    await vi.waitFor(async () => expect(await b.store.jobs.pending()).toBe(0));
    await new Promise((resolve) => setTimeout(resolve, 300)); // time for a second decision to show itself
    expect(gh.decisions).toHaveLength(1);
    expect(gh.progress).toHaveLength(1);
  });
});
