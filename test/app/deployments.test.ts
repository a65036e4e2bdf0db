/**
 * The deployment doors through the real app (issue 12): GitHub behind nock, fake metrics, and a
 * clock the test moves (delayed jobs wait for it), so a two-hour wait takes milliseconds.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QueryError } from '../../src/errors.js';
import { createGrafana } from '../../src/integrations/grafana.js';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { createTelemetry } from '../../src/telemetry.js';
import { deploymentProtectionRuleRequested } from '../fixtures/webhooks/deployment_protection_rule.requested.js';
import { capturedLog } from '../support/captured-log.js';
import { DEPLOYED_SHA, PUSHED_SHA, RUN_ID, deploymentGitHub, unansweredRequests } from '../support/deployment-github.js';
import { FAST_BURN, HEALTHY, fakeMetrics } from '../support/fake-metrics.js';
import { HEAD_SHA, REPO } from '../support/github-nock.js';
import { POLICY, policyWith } from '../support/policies.js';
import { createTestProbot, examplePayload, settleApps, type TestProbotOptions } from '../support/probot.js';
import { virtualTime, type VirtualTime } from '../support/virtual-time.js';
import { eventually } from '../support/eventually.js';

const START = Date.parse('2026-11-22T10:00:00Z');
const MINUTE = 60_000;
const RECHECK_MS = 5 * MINUTE;

let time: VirtualTime;
let unanswered: ReturnType<typeof unansweredRequests>;
let deliveries = 0;

beforeEach(() => {
  nock.disableNetConnect();
  time = virtualTime(createMemoryStore(), START);
  unanswered = unansweredRequests();
});

afterEach(async () => {
  await time.store.close();
  await settleApps();
  unanswered.stop();
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, 'every expected request was made').toEqual([]);
  expect(unanswered.list, 'no request went anywhere nock had no answer for').toEqual([]);
});

/** A metrics source whose answers the test switches: a service that recovers, or a Prometheus that goes away. */
function switchable(initial: Record<string, number | Error>) {
  let current = initial;
  const metrics = fakeMetrics(new Proxy({}, { get: (_t, window: string) => current[window] }));
  return { metrics, set: (next: Record<string, number | Error>) => (current = next) };
}

async function app(metrics: ReturnType<typeof fakeMetrics>, options: TestProbotOptions = {}) {
  const probot = await createTestProbot(metrics, { store: time.store, now: time.now, queryCacheTtlMs: 0, recheckIntervalMs: RECHECK_MS, ...options });
  return (name: string, payload: unknown, id = `deployments-${++deliveries}`) => probot.receive({ id, name, payload } as any);
}

/** GitHub's `deployment_protection_rule.requested` for run 7311 to `production`, on HEAD_SHA, from PR #2. */
function ruleRequest(changes?: (payload: any) => void): any {
  const payload = structuredClone(deploymentProtectionRuleRequested) as any;
  changes?.(payload);
  return payload;
}

const gatedPolicy = (settings = '{}') => policyWith(`environments:\n  production: ${settings}`);
const jobsPending = () => time.store.jobs.pending();

describe('a deployment protection rule', () => {
  it('approves the deployment while the budget is healthy, naming the commit it evaluated', async () => {
    const gh = deploymentGitHub().token().policy(gatedPolicy()).pull().review();
    const receive = await app(fakeMetrics(HEALTHY));
    await receive('deployment_protection_rule', ruleRequest());
    await eventually(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.decisions[0]).toMatchObject({ runId: RUN_ID, environment_name: 'production', state: 'approved' });
    expect(gh.decisions[0]!.comment).toContain('### 🟢 slo-gate approved the deployment to `production`');
    expect(gh.decisions[0]!.comment).toContain(`slo-gate evaluated commit ${HEAD_SHA.slice(0, 7)}`);
    expect(gh.progress).toEqual([]);
    await eventually(async () => expect(await jobsPending()).toBe(0));
  });

  it('rejects the deployment at once while the fast rule fires and waitFor is 0, saying why with the numbers', async () => {
    const gh = deploymentGitHub().token().policy(gatedPolicy()).pull().review();
    const receive = await app(fakeMetrics(FAST_BURN));
    await receive('deployment_protection_rule', ruleRequest());
    await eventually(() => expect(gh.decisions).toHaveLength(1));
    const [decision] = gh.decisions;
    expect(decision).toMatchObject({ environment_name: 'production', state: 'rejected' });
    expect(decision!.comment.length).toBeLessThanOrEqual(1024);
    expect(decision!.comment.split('\n')).toEqual([
      '### 🔴 slo-gate rejected the deployment to `production`',
      '',
      'Blocked: checkout-availability burning 21.3× over 1h and 18.9× over 5m (limit 14.4×); passes ~5 min after errors stop',
      '',
      'Re-run the job once the budget allows; `npx slo-gate evaluate --environment production` shows where it stands.',
      '',
      `<sub>slo-gate evaluated commit ${HEAD_SHA.slice(0, 7)} against \`.github/slo-gate.yml\` from the default branch.</sub>`,
    ]);
    await eventually(async () => expect(await jobsPending()).toBe(0));
  });

  it('holds a blocked deployment, reports progress from the first evaluation, and approves it once the burn subsides', async () => {
    const service = switchable(FAST_BURN);
    const gh = deploymentGitHub().token().policy(gatedPolicy('{ waitFor: 2h }')).pull().review();
    const receive = await app(service.metrics);
    await receive('deployment_protection_rule', ruleRequest());
    await eventually(() => expect(gh.progress).toHaveLength(1));
    expect(gh.decisions).toEqual([]);
    expect(gh.progress[0]!.comment).toContain('### ⏳ slo-gate is holding the deployment to `production`');
    expect(gh.progress[0]!.comment).toContain('Blocked: checkout-availability burning 21.3× over 1h and 18.9× over 5m (limit 14.4×)');
    expect(gh.progress[0]!.comment).toContain('rejects in 2 h if still blocked. Looks again every 5 min');
    await eventually(() => expect(time.waiting()).toEqual([{ id: 'rule:Codertocat/Hello-World:7311:production', kind: 'protection-rule', inMs: RECHECK_MS }]));

    service.set(HEALTHY);
    gh.policy(gatedPolicy('{ waitFor: 2h }')).pull().review();
    await time.advance(RECHECK_MS);
    await eventually(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.decisions[0]).toMatchObject({ environment_name: 'production', state: 'approved' });
    expect(gh.decisions[0]!.comment).toContain('Approved after waiting 5 min for the error budget to recover.');
    expect(gh.progress).toHaveLength(1);
    await eventually(async () => expect(await jobsPending()).toBe(0));
  });

  it('rejects a waiting deployment when waitFor runs out while it is still blocked, reporting progress only when what blocks changes', async () => {
    const policy = gatedPolicy('{ waitFor: 30m }');
    const telemetry = createTelemetry(() => time.store.jobs.pending());
    const gh = deploymentGitHub().token().policy(policy).pull().review();
    const receive = await app(fakeMetrics(FAST_BURN), { telemetry });
    await receive('deployment_protection_rule', ruleRequest());
    await eventually(() => expect(gh.progress).toHaveLength(1));
    await eventually(() => expect(time.waiting().map((w) => w.inMs)).toEqual([RECHECK_MS]));

    gh.policy(policy).pull(); // five minutes on: the same burn, so no new progress report
    await time.advance(RECHECK_MS);
    await eventually(() => expect(gh.scope.pendingMocks()).toEqual([]));
    await eventually(() => expect(time.waiting().map((w) => w.inMs)).toEqual([RECHECK_MS]));

    gh.policy(policy).pull().review();
    await time.advance(25 * MINUTE);
    await eventually(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.progress).toHaveLength(1);
    expect(gh.decisions[0]).toMatchObject({ environment_name: 'production', state: 'rejected' });
    expect(gh.decisions[0]!.comment).toContain('Waited 30 min for the error budget to recover (`waitFor`), and it did not.');
    expect(gh.decisions[0]!.comment).toContain('Blocked: checkout-availability burning 21.3× over 1h');
    await eventually(async () => expect(await jobsPending()).toBe(0));
    await eventually(async () =>
      expect(await telemetry.registry.metrics()).toContain(
        'slo_gate_deployments_total{repository="Codertocat/Hello-World",environment="production",result="timed_out"} 1',
      ),
    );
    expect(await telemetry.registry.metrics()).toContain('slo_gate_protection_rule_wait_seconds_sum 1800');
  });

  it('approves a deployment to an environment the policy does not list, saying it is not gated', async () => {
    const gh = deploymentGitHub().token().policy(POLICY).review();
    const receive = await app(fakeMetrics(FAST_BURN));
    await receive('deployment_protection_rule', ruleRequest());
    await eventually(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.decisions[0]).toMatchObject({ environment_name: 'production', state: 'approved' });
    expect(gh.decisions[0]!.comment).toBe(
      '### 🟢 slo-gate approved the deployment to `production`: not gated\n\n`production` is not gated: `.github/slo-gate.yml` does not list it under `environments`.',
    );
    await eventually(async () => expect(await jobsPending()).toBe(0));
  });

  it('approves a deployment in a repository without a policy, saying it is not gated', async () => {
    const gh = deploymentGitHub().token().policy(404).policy(404, '/repos/Codertocat/.github').review();
    const receive = await app(fakeMetrics(FAST_BURN));
    await receive('deployment_protection_rule', ruleRequest());
    await eventually(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.decisions[0]).toMatchObject({ state: 'approved' });
    expect(gh.decisions[0]!.comment).toContain('`production` is not gated: this repository has no `.github/slo-gate.yml`.');
    await eventually(async () => expect(await jobsPending()).toBe(0));
  });

  it('rejects a deployment at once when the policy cannot be used, listing what is wrong with it', async () => {
    const gh = deploymentGitHub().token().policy('slos: []').review();
    const receive = await app(fakeMetrics(HEALTHY));
    await receive('deployment_protection_rule', ruleRequest());
    await eventually(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.decisions[0]).toMatchObject({ state: 'rejected' });
    expect(gh.decisions[0]!.comment).toContain('The policy `.github/slo-gate.yml` cannot be used:\n\n- slos, line 1: must list at least one SLO');
    expect(gh.decisions[0]!.comment).toContain('It is rejected so that it does not pass unchecked; re-run the job once this is fixed.');
    await eventually(async () => expect(await jobsPending()).toBe(0));
  });

  it('keeps retrying a request whose policy GitHub will not serve, then rejects it saying why, rather than at once or never', async () => {
    const gh = deploymentGitHub().token().review();
    // Seven reads in a row answer 500: at the request, then every re-check for the 30 minutes of grace.
    gh.scope.get(`${REPO}/contents/.github%2Fslo-gate.yml`).times(7).reply(500, { message: 'Server Error' });
    const receive = await app(fakeMetrics(HEALTHY));
    await receive('deployment_protection_rule', ruleRequest());
    await eventually(() => expect(time.waiting()).toHaveLength(1));
    expect(gh.decisions).toEqual([]);
    for (let minute = 5; minute < 30; minute += 5) {
      await time.advance(RECHECK_MS);
      await eventually(() => expect(time.waiting().map((w) => w.inMs)).toEqual([RECHECK_MS]));
      expect(gh.decisions, `after ${minute} min`).toEqual([]);
    }
    await time.advance(RECHECK_MS);
    await eventually(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.decisions[0]).toMatchObject({ state: 'rejected' });
    expect(gh.decisions[0]!.comment).toContain('HTTP 500');
    expect(gh.decisions[0]!.comment).not.toContain('waitFor');
    await eventually(async () => expect(await jobsPending()).toBe(0));
  });

  it('approves a blocked deployment when a pull request of the run carries a bypass label applied by someone allowed', async () => {
    const gh = deploymentGitHub()
      .token()
      .policy(gatedPolicy())
      .pull({ labels: ['hotfix'] })
      .labelEvents([{ label: 'hotfix', actor: 'alice', at: '2026-11-22T09:55:00Z' }])
      .permission('alice', 'admin')
      .review();
    const receive = await app(fakeMetrics(FAST_BURN));
    await receive('deployment_protection_rule', ruleRequest());
    await eventually(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.decisions[0]).toMatchObject({ state: 'approved' });
    expect(gh.decisions[0]!.comment).toContain('### 🟠 slo-gate approved the deployment to `production`: bypassed');
    expect(gh.decisions[0]!.comment).toContain('Bypassed by label hotfix (applied by @alice)');
  });

  it('rejects a blocked deployment whose bypass label was applied by someone without the permission', async () => {
    const gh = deploymentGitHub()
      .token()
      .policy(gatedPolicy())
      .pull({ labels: ['hotfix'] })
      .labelEvents([{ label: 'hotfix', actor: 'mallory', at: '2026-11-22T09:55:00Z' }])
      .permission('mallory', 'read')
      .review();
    const receive = await app(fakeMetrics(FAST_BURN));
    await receive('deployment_protection_rule', ruleRequest());
    await eventually(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.decisions[0]).toMatchObject({ state: 'rejected' });
  });

  it('makes one decision for a redelivered request and a second matrix job of the same run and environment', async () => {
    const service = switchable(FAST_BURN);
    const policy = gatedPolicy('{ waitFor: 2h }');
    const { log, lines } = capturedLog();
    const gh = deploymentGitHub().token().policy(policy).pull().review();
    const receive = await app(service.metrics, { log });
    await receive('deployment_protection_rule', ruleRequest(), 'first');
    await receive('deployment_protection_rule', ruleRequest(), 'first'); // GitHub delivering the same webhook again
    await receive('deployment_protection_rule', ruleRequest(), 'matrix-job-2');
    await eventually(() => expect(gh.progress).toHaveLength(1));
    expect(lines.filter((l) => l.msg.startsWith('protection-rule request shares the decision'))).toHaveLength(1);
    // The progress report is written before the next look is scheduled: move the clock only once it is.
    await eventually(() => expect(time.waiting().map((w) => w.inMs)).toEqual([RECHECK_MS]));

    service.set(HEALTHY);
    gh.policy(policy).pull().review();
    await time.advance(RECHECK_MS);
    await eventually(() => expect(gh.decisions).toHaveLength(1));
    await receive('deployment_protection_rule', ruleRequest(), 'matrix-job-3'); // a minute after the decision
    await eventually(async () => expect(await jobsPending()).toBe(0));
    expect(gh.decisions.map((d) => d.state)).toEqual(['approved']);
    expect(lines.filter((l) => l.msg.startsWith('protection-rule request shares the decision'))).toHaveLength(2);
  });

  it('decides a re-run of the same run and environment afresh once the shared decision has lapsed', async () => {
    // The store's time to live counts on Date.now: a store made under a fake Date can be moved past ten minutes.
    vi.useFakeTimers({ toFake: ['Date'], now: START });
    await time.store.close();
    time = virtualTime(createMemoryStore(), START);
    try {
      const service = switchable(FAST_BURN);
      const gh = deploymentGitHub().token().policy(gatedPolicy()).pull().review();
      const { log, at } = capturedLog();
      const receive = await app(service.metrics, { log });
      await receive('deployment_protection_rule', ruleRequest());
      // The decision is sent before it is recorded: moving the clock in between would record it
      // under the later time, and it would not have lapsed for the re-run. Wait for the record.
      await eventually(() => expect(at('info').map((line) => line.msg)).toContain('protection rule decided'));
      expect(gh.decisions).toHaveLength(1);
      await eventually(async () => expect(await jobsPending()).toBe(0));

      vi.setSystemTime(START + 11 * MINUTE); // someone re-runs the failed job
      service.set(HEALTHY);
      gh.policy(gatedPolicy()).pull().review();
      await receive('deployment_protection_rule', ruleRequest());
      await eventually(() => expect(gh.decisions).toHaveLength(2));
      expect(gh.decisions.map((d) => d.state)).toEqual(['rejected', 'approved']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('decides through the API base when the callback URL points at a foreign host, and sends that host nothing', async () => {
    const foreign = nock('https://collector.example'); // no interceptors: any request to it fails the test
    const { log, at } = capturedLog();
    const gh = deploymentGitHub().token().policy(gatedPolicy()).pull().review();
    const receive = await app(fakeMetrics(HEALTHY), { log });
    const callback = `https://collector.example/repos/Codertocat/Hello-World/actions/runs/${RUN_ID}/deployment_protection_rule`;
    await receive(
      'deployment_protection_rule',
      ruleRequest((p) => (p.deployment_callback_url = callback)),
    );
    await eventually(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.decisions[0]).toMatchObject({ runId: RUN_ID, state: 'approved' });
    expect(foreign.pendingMocks()).toEqual([]);
    expect(at('warn')).toEqual([
      expect.objectContaining({
        msg: 'protection-rule callback URL points at a foreign host; deciding through the API base',
        callbackHost: 'collector.example',
      }),
    ]);
  });

  it.each([
    ['without a callback URL', (p: any) => delete p.deployment_callback_url, /^deployment_callback_url: /],
    ['without an environment', (p: any) => delete p.environment, /^environment: /],
    ['with an environment name longer than GitHub allows', (p: any) => (p.environment = 'p'.repeat(256)), /^environment: /],
    ['without an installation', (p: any) => delete p.installation, /^no installation$/],
  ])('logs a request %s that nothing could answer, and leaves nothing behind', async (_story, change, problem) => {
    const { log, at } = capturedLog();
    const receive = await app(fakeMetrics(HEALTHY), { log });
    await receive('deployment_protection_rule', ruleRequest(change));
    expect(at('error')).toEqual([
      expect.objectContaining({
        msg: 'protection-rule request that cannot be decided (nothing names what to answer); ignored',
        problem: expect.stringMatching(problem),
      }),
    ]);
    expect(await jobsPending()).toBe(0);
  });

  it('logs a callback URL that names no workflow run, and leaves nothing behind', async () => {
    const { log, at } = capturedLog();
    const receive = await app(fakeMetrics(HEALTHY), { log });
    await receive(
      'deployment_protection_rule',
      ruleRequest((p) => (p.deployment_callback_url = 'https://api.github.com/repos/Codertocat/Hello-World/actions/runs/latest/deployment_protection_rule')),
    );
    expect(at('error').map((l) => [l.msg, l.problem])).toEqual([
      [
        'protection-rule request without a workflow run; ignored',
        'the deployment_callback_url names no workflow run: "https://api.github.com/repos/Codertocat/Hello-World/actions/runs/latest/deployment_protection_rule"',
      ],
    ]);
    expect(await jobsPending()).toBe(0);
  });

  it('decides a request for an environment with odd characters in its name, which no policy can list', async () => {
    const odd = 'production\u200b\n### approved by an admin';
    const gh = deploymentGitHub().token().policy(gatedPolicy()).review();
    const receive = await app(fakeMetrics(FAST_BURN));
    await receive(
      'deployment_protection_rule',
      ruleRequest((p) => (p.environment = odd)),
    );
    await eventually(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.decisions[0]).toMatchObject({ environment_name: odd, state: 'approved' });
    // Named as it is, with its invisible characters shown: it can neither forge a line nor pass for `production`.
    expect(gh.decisions[0]!.comment.split('\n')).toEqual([
      '### 🟢 slo-gate approved the deployment to `production\\u{200B}\\u{A}### approved by an admin`: not gated',
      '',
      '`production\\u{200B}\\u{A}### approved by an admin` is not gated: `.github/slo-gate.yml` does not list it under `environments`.',
    ]);
    await eventually(async () => expect(await jobsPending()).toBe(0));
  });

  it('keeps a deployment waiting while Prometheus is down, then rejects it for missing data when waitFor runs out', async () => {
    const down = (window: string) => new QueryError('cannot reach http://prometheus:9090 (ECONNREFUSED)', `ratio[${window}]`);
    const service = switchable(FAST_BURN);
    const policy = gatedPolicy('{ waitFor: 30m }');
    const gh = deploymentGitHub().token().policy(policy).pull().review();
    const receive = await app(service.metrics);
    await receive('deployment_protection_rule', ruleRequest());
    await eventually(() => expect(gh.progress).toHaveLength(1));
    await eventually(() => expect(time.waiting()).toHaveLength(1));

    service.set(Object.fromEntries(Object.keys(FAST_BURN).map((w) => [w, down(w)])));
    gh.policy(policy).pull().review();
    await time.advance(RECHECK_MS);
    await eventually(() => expect(gh.progress).toHaveLength(2));
    expect(gh.progress[1]!.comment).toContain(
      'Missing data: no data for checkout-availability (1h, 5m, 6h, 30m, 30d): errorRatioQuery cannot reach http://prometheus:9090 (ECONNREFUSED)',
    );
    await eventually(() => expect(time.waiting().map((w) => w.inMs)).toEqual([RECHECK_MS]));
    expect(gh.decisions).toEqual([]);

    gh.policy(policy).pull().review();
    await time.advance(25 * MINUTE);
    await eventually(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.decisions[0]).toMatchObject({ state: 'rejected' });
    expect(gh.decisions[0]!.comment).toContain('### ⚠️ slo-gate rejected the deployment to `production`');
    expect(gh.decisions[0]!.comment).toContain('Missing data: no data for checkout-availability');
    expect(gh.decisions[0]!.comment).toContain('Waited 30 min for the error budget to recover (`waitFor`), and it did not.');
    expect(gh.progress).toHaveLength(2);
    await eventually(async () => expect(await jobsPending()).toBe(0));
  });
});

describe('the environment status for required_contexts', () => {
  it('sets slo-gate/production on the new head of the default branch, and flips it to failure during an incident without any event', async () => {
    const policy = gatedPolicy();
    const service = switchable(HEALTHY);
    const gh = deploymentGitHub().token().policy(policy).status(PUSHED_SHA);
    const receive = await app(service.metrics);
    await receive(
      'push',
      examplePayload('push', (e) => e.ref === 'refs/heads/master' && e.installation),
    );
    expect(gh.recorded.statuses).toEqual([
      { context: 'slo-gate/production', state: 'success', description: 'OK: 50% of error budget left, highest burn 0.5×' },
    ]);
    expect(gh.recorded.statusShas).toEqual([PUSHED_SHA]);
    expect(time.waiting()).toEqual([{ id: 'env:Codertocat/Hello-World:production', kind: 'environment', inMs: RECHECK_MS }]);

    // An incident starts; nobody pushes. The re-check reads the branch's head and what GitHub shows on it.
    service.set(FAST_BURN);
    gh.policy(policy).repository('master').branch('master', PUSHED_SHA).shownStatus(PUSHED_SHA, [gh.recorded.statuses[0]!]).status(PUSHED_SHA);
    await time.advance(RECHECK_MS);
    await eventually(() => expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['success', 'failure']));
    expect(gh.recorded.statuses[1]).toEqual({
      context: 'slo-gate/production',
      state: 'failure',
      description: 'Blocked: checkout-availability burning 21.3× over 1h and 18.9× over 5m (limit 14.4×); passes ~5 min after errors stop',
    });
    expect(gh.recorded.statusShas).toEqual([PUSHED_SHA, PUSHED_SHA]);
    await eventually(() => expect(time.waiting()).toEqual([{ id: 'env:Codertocat/Hello-World:production', kind: 'environment', inMs: RECHECK_MS }]));
  });
});

describe('a deployment created for a gated environment', () => {
  const created = () => examplePayload('deployment', (e) => e.installation && e.deployment.environment === 'production');

  it("sets slo-gate/production on the deployment's commit, and writes none of the deployment's own statuses", async () => {
    const gh = deploymentGitHub().token().policy(gatedPolicy()).status(DEPLOYED_SHA);
    const receive = await app(fakeMetrics(FAST_BURN));
    await receive('deployment', created());
    expect(gh.recorded.statuses.map((s) => [s.context, s.state])).toEqual([['slo-gate/production', 'failure']]);
    expect(gh.recorded.statusShas).toEqual([DEPLOYED_SHA]);
    expect(await jobsPending()).toBe(0);
  });

  it('logs a deployment of a commit that no longer exists, and does not try again', async () => {
    const { log, at } = capturedLog();
    const gh = deploymentGitHub().token().policy(gatedPolicy());
    gh.scope.post(`${REPO}/statuses/${DEPLOYED_SHA}`).reply(422, { message: `No commit found for SHA: ${DEPLOYED_SHA}` });
    const receive = await app(fakeMetrics(HEALTHY), { log });
    await receive('deployment', created());
    expect(at('warn').map((l) => [l.msg, l.sha])).toEqual([['deployment of a commit that no longer exists', DEPLOYED_SHA]]);
    expect(await jobsPending()).toBe(0);
  });
});

describe('post-deploy verification', () => {
  const VERIFIED = gatedPolicy('{ verify: { after: [5m, 15m] } }');
  const grafanaHost = 'https://grafana.example';
  const deployedAt = new Date(START).toISOString();

  /** A `deployment_status` success to production, reported at START. */
  const succeeded = (changes?: (payload: any) => void) =>
    examplePayload(
      'deployment_status',
      (e) => e.installation && e.deployment_status.state === 'success',
      (p) => {
        p.deployment_status.created_at = deployedAt;
        changes?.(p);
      },
    );

  /** The fake's windows at the usual lengths, and the window since the deploy (`300s`) from its error ratio before and after START. */
  function aroundTheDeploy(before: number, after: number): ReturnType<typeof fakeMetrics> {
    const queries: string[] = [];
    const usual = fakeMetrics(HEALTHY);
    return {
      queries,
      async queryScalar(query, at) {
        queries.push(query);
        if (!/\[\d+s\]/.test(query)) return usual.queryScalar(query, at);
        return at && at.getTime() > START ? after : before;
      },
    };
  }

  /** Grafana behind nock, with the real adapter and the service-account token it must send. */
  function grafana(times: number) {
    const annotations: Array<{ time: number; tags: string[]; text: string }> = [];
    nock(grafanaHost, { reqheaders: { authorization: 'Bearer glsa_test' } })
      .post('/api/annotations', (body) => (annotations.push(body), true))
      .times(times)
      .reply(200, { id: 1, message: 'Annotation added' });
    const adapter = createGrafana({ url: grafanaHost, token: 'glsa_test', timeoutMs: 5000 });
    return { annotations, annotate: async (annotation: Parameters<typeof adapter.annotate>[0]) => void (await adapter.annotate(annotation)) };
  }

  it('fails the verification at the first check that finds a regression, tells the pull requests, and marks it in Grafana', async () => {
    const marks = grafana(2);
    const gh = deploymentGitHub().token().commit(DEPLOYED_SHA).policy(VERIFIED).status(DEPLOYED_SHA);
    const receive = await app(aroundTheDeploy(0.0005, 0.01), { annotate: marks.annotate });
    await receive('deployment_status', succeeded());
    expect(gh.recorded.statuses).toEqual([
      { context: 'slo-gate/production/verify', state: 'pending', description: 'Checking the deployment 5m, 15m after it went out' },
    ]);
    expect(time.waiting()).toEqual([{ id: 'verify:Codertocat/Hello-World:production', kind: 'verify', inMs: 5 * MINUTE }]);

    gh.policy(VERIFIED).status(DEPLOYED_SHA).pullsOfCommit(DEPLOYED_SHA, [2]).commentOn(2);
    await time.advance(5 * MINUTE);
    await eventually(() => expect(marks.annotations).toHaveLength(2));
    expect(gh.recorded.statuses[1]).toEqual({
      context: 'slo-gate/production/verify',
      state: 'failure',
      description: 'Regression 5 min after deploy: checkout-availability burning 10× (was 0.5×)',
    });
    expect(gh.pullComments.map((c) => c.number)).toEqual([2]);
    const comment = gh.pullComments[0]!.body;
    expect(comment).toContain('### 🔴 slo-gate: the deployment of f95f852 to `production` looks like a regression');
    expect(comment).toContain(
      '- **checkout-availability** burns its error budget 10× as fast as it can afford since the deploy, against 0.5× in the 5 min before it',
    );
    expect(comment).toContain('| checkout-availability | 0.5× | **10×** | – | 0.1% | 🔥 regression |');
    expect(comment).toContain('- **Roll back** `production` to the previous deployment if this change is the cause.');
    expect(marks.annotations).toEqual([
      {
        time: START,
        tags: ['deploy', 'slo-gate', 'Codertocat/Hello-World', 'production', 'success'],
        text: 'Deployment 145988746 of f95f852 to production: success',
      },
      {
        time: START + 5 * MINUTE,
        tags: ['deploy', 'slo-gate', 'Codertocat/Hello-World', 'production', 'regression'],
        text: 'slo-gate: regression after deployment 145988746 of f95f852 to production',
      },
    ]);
    await eventually(async () => expect(await jobsPending()).toBe(0));
  });

  it('passes a clean deployment after its last check, and stays pending until then', async () => {
    const marks = grafana(1);
    const gh = deploymentGitHub().token().commit(DEPLOYED_SHA).policy(VERIFIED).status(DEPLOYED_SHA);
    const receive = await app(aroundTheDeploy(0.0005, 0.0005), { annotate: marks.annotate });
    await receive('deployment_status', succeeded());

    gh.policy(VERIFIED).status(DEPLOYED_SHA);
    await time.advance(5 * MINUTE);
    await eventually(() => expect(gh.recorded.statuses).toHaveLength(2));
    await eventually(() => expect(time.waiting().map((w) => w.inMs)).toEqual([10 * MINUTE]));

    gh.policy(VERIFIED).status(DEPLOYED_SHA);
    await time.advance(10 * MINUTE);
    await eventually(() => expect(gh.recorded.statuses).toHaveLength(3));
    expect(gh.recorded.statuses.slice(1)).toEqual([
      {
        context: 'slo-gate/production/verify',
        state: 'pending',
        description: 'No regression 5 min after deploy: highest burn 0.5× (checkout-availability, was 0.5×); Checking the deployment 15m after it went out',
      },
      {
        context: 'slo-gate/production/verify',
        state: 'success',
        description: 'No regression 15 min after deploy: highest burn 0.5× (checkout-availability, was 0.5×)',
      },
    ]);
    expect(gh.pullComments).toEqual([]);
    await eventually(async () => expect(await jobsPending()).toBe(0));
  });

  it('does nothing beyond the Grafana marker for a deployment to an environment without verify', async () => {
    const marks = grafana(1);
    const gh = deploymentGitHub().token().commit(DEPLOYED_SHA).policy(gatedPolicy());
    const receive = await app(fakeMetrics(HEALTHY), { annotate: marks.annotate });
    await receive('deployment_status', succeeded());
    expect(marks.annotations).toHaveLength(1);
    expect(gh.recorded.statuses).toEqual([]);
    expect(await jobsPending()).toBe(0);
  });

  it('does not verify a deployment whose commit no longer exists, and does not try again', async () => {
    const { log, at } = capturedLog();
    const gh = deploymentGitHub().token().commit(DEPLOYED_SHA).policy(VERIFIED);
    gh.scope.post(`${REPO}/statuses/${DEPLOYED_SHA}`).reply(422, { message: `No commit found for SHA: ${DEPLOYED_SHA}` });
    const receive = await app(fakeMetrics(HEALTHY), { log });
    await receive('deployment_status', succeeded());
    expect(at('warn').map((l) => l.msg)).toEqual(['deployment_status for a commit that no longer exists: not verified']);
    expect(await jobsPending()).toBe(0);
  });

  it("ends an older deployment's checks when a newer deployment to the same environment succeeds", async () => {
    const newer = 'a'.repeat(40);
    const marks = grafana(2);
    const gh = deploymentGitHub().token().commit(DEPLOYED_SHA).policy(VERIFIED).status(DEPLOYED_SHA);
    const receive = await app(aroundTheDeploy(0.0005, 0.0005), { annotate: marks.annotate });
    await receive('deployment_status', succeeded());

    gh.commit(newer).policy(VERIFIED).status(DEPLOYED_SHA).status(newer);
    await time.advance(MINUTE);
    await receive(
      'deployment_status',
      succeeded((p) => {
        p.deployment.id = 145988747;
        p.deployment.sha = newer;
        p.deployment_status.created_at = new Date(START + MINUTE).toISOString();
      }),
    );
    expect(gh.recorded.statuses.slice(1)).toEqual([
      { context: 'slo-gate/production/verify', state: 'success', description: 'Checks ended early: deployment 145988747 replaced this one' },
      { context: 'slo-gate/production/verify', state: 'pending', description: 'Checking the deployment 5m, 15m after it went out' },
    ]);
    expect(gh.recorded.statusShas).toEqual([DEPLOYED_SHA, DEPLOYED_SHA, newer]);
    expect(time.waiting()).toEqual([{ id: 'verify:Codertocat/Hello-World:production', kind: 'verify', inMs: 5 * MINUTE }]);
  });
});
