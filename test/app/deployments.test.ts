/**
 * The deployment doors through the real app (issue 12): GitHub behind nock, fake metrics, and a
 * clock the test moves (delayed jobs wait for it), so a two-hour wait takes milliseconds.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { deploymentProtectionRuleRequested } from '../fixtures/webhooks/deployment_protection_rule.requested.js';
import { RUN_ID, deploymentGitHub, unansweredRequests } from '../support/deployment-github.js';
import { FAST_BURN, HEALTHY, fakeMetrics } from '../support/fake-metrics.js';
import { HEAD_SHA } from '../support/github-nock.js';
import { policyWith } from '../support/policies.js';
import { createTestProbot, settleApps, type TestProbotOptions } from '../support/probot.js';
import { virtualTime, type VirtualTime } from '../support/virtual-time.js';

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
    await vi.waitFor(() => expect(gh.decisions).toHaveLength(1));
    expect(gh.decisions[0]).toMatchObject({ runId: RUN_ID, environment_name: 'production', state: 'approved' });
    expect(gh.decisions[0]!.comment).toContain('### 🟢 slo-gate approved the deployment to `production`');
    expect(gh.decisions[0]!.comment).toContain(`slo-gate evaluated commit ${HEAD_SHA.slice(0, 7)}`);
    expect(gh.progress).toEqual([]);
    await vi.waitFor(async () => expect(await jobsPending()).toBe(0));
  });

  it('rejects the deployment at once while the fast rule fires and waitFor is 0, saying why with the numbers', async () => {
    const gh = deploymentGitHub().token().policy(gatedPolicy()).pull().review();
    const receive = await app(fakeMetrics(FAST_BURN));
    await receive('deployment_protection_rule', ruleRequest());
    await vi.waitFor(() => expect(gh.decisions).toHaveLength(1));
    const [decision] = gh.decisions;
    expect(decision).toMatchObject({ environment_name: 'production', state: 'rejected' });
    expect(decision!.comment.length).toBeLessThanOrEqual(1024);
    expect(decision!.comment.split('\n')).toEqual([
      '### 🔴 slo-gate rejected the deployment to `production`',
      '',
      'Blocked: checkout-availability burning 21.3× over 1h and 18.9× over 5m (limit 14.4×)',
      '',
      'Re-run the job once the budget allows; `npx slo-gate evaluate --environment production` shows where it stands.',
      '',
      `<sub>slo-gate evaluated commit ${HEAD_SHA.slice(0, 7)} against \`.github/slo-gate.yml\` from the default branch.</sub>`,
    ]);
    await vi.waitFor(async () => expect(await jobsPending()).toBe(0));
  });
});
