/**
 * The ways a hostile review found to turn a head green, stall the gate or leave a required check
 * hanging (issue 7), each as a story through the real app with GitHub behind nock.
 */
import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.js';
import { FAST_BURN, HEALTHY, fakeMetrics } from '../support/fake-metrics.js';
import { gitHub, HEAD_SHA, REPO } from '../support/github-nock.js';
import { POLICY, policyWith } from '../support/policies.js';
import { createTestProbot, pullRequestPayload, type TestProbotOptions } from '../support/probot.js';
import { appHarness } from '../support/app-harness.js';

const harness = appHarness();
let deliveries = 0;

async function app(metrics: ReturnType<typeof fakeMetrics>, options: TestProbotOptions = {}) {
  const probot = await createTestProbot(metrics, { store: harness.store(), queryCacheTtlMs: 0, ...options });
  return (name: string, payload: unknown, id = `hardening-${++deliveries}`) => probot.receive({ id, name, payload } as any);
}

const labeled = (label: string, at: string) =>
  pullRequestPayload('labeled', (p) => {
    p.label = { id: 1, name: label };
    p.pull_request.labels = [{ id: 1, name: label }];
    p.pull_request.updated_at = at;
  });
const unlabeled = (label: string, at: string) =>
  pullRequestPayload('unlabeled', (p) => {
    p.label = { id: 1, name: label };
    p.pull_request.labels = [];
    p.pull_request.updated_at = at;
  });

describe('a late labeled event', () => {
  it('cannot turn a PR green after the label was removed: the older event is not acted on', async () => {
    const gh = gitHub().token().policy(POLICY).status().comments().createComment();
    const receive = await app(fakeMetrics(FAST_BURN));
    // An admin adds hotfix at :00 and removes it at :01; GitHub delivers the removal first.
    await receive('pull_request', unlabeled('hotfix', '2026-11-22T10:00:01Z'));
    await receive('pull_request', labeled('hotfix', '2026-11-22T10:00:00Z'));
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['failure']);
    expect(await harness.store().jobs.pending()).toBe(1); // the re-check of the blocked PR was not cancelled
  });

  it('does not bypass when the API says the label is no longer on the pull request', async () => {
    // A replayed labeled event with a time the app has not seen: only the API can tell it is stale.
    const gh = gitHub().token().policy(POLICY).pull({ labels: [] }).status().comments().createComment();
    const receive = await app(fakeMetrics(FAST_BURN));
    await receive('pull_request', labeled('hotfix', '2026-11-22T10:00:00Z'));
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['failure']);
  });
});

describe('a status someone else wrote under our context', () => {
  it('is overwritten by the next re-check, which compares with what GitHub shows rather than with its own memo', async () => {
    const gh = gitHub().token().policy(POLICY).status().comments().createComment();
    const receive = await app(fakeMetrics(FAST_BURN), { recheckIntervalMs: 30 });
    await receive('pull_request', pullRequestPayload('synchronize'));
    const ours = gh.recorded.statuses[0]!;
    // Someone with write access posts slo-gate: success on the head by hand.
    gh.pull()
      .policy(POLICY)
      .shown([{ state: 'success', description: 'trust me' }])
      .status();
    await vi.waitFor(() => expect(gh.recorded.statuses).toHaveLength(2), { timeout: 3000 });
    expect(gh.recorded.statuses[1]).toEqual(ours);
    await harness.store().jobs.cancel('recheck:Codertocat/Hello-World#2');
  });
});

describe('work that cannot be lost', () => {
  it('evaluates the PR by itself when the first evaluation failed before writing anything', async () => {
    const gh = gitHub();
    // The installation token cannot be had: nothing at all can be written for this event.
    gh.scope.post('/app/installations/4242/access_tokens').reply(502, { message: 'Bad Gateway' });
    const receive = await app(fakeMetrics(HEALTHY), { recheckIntervalMs: 60_000 });
    await expect(receive('pull_request', pullRequestPayload('opened'))).rejects.toThrow();
    expect(await harness.store().jobs.pending()).toBe(1);
    gh.token().pull().policy(POLICY).shown().status().comments();
    await vi.waitFor(() => expect(gh.scope.pendingMocks()).toEqual([]), { timeout: 5000 });
    expect(gh.recorded.statuses).toEqual([expect.objectContaining({ state: 'success' })]);
  });

  it('keeps a re-check alive through a GitHub outage longer than any fixed number of retries', async () => {
    const gh = gitHub().token().policy(POLICY).status().comments().createComment();
    const service = fakeMetrics(FAST_BURN);
    const receive = await app(service, { recheckIntervalMs: 30, retryBaseMs: 5 });
    await receive('pull_request', pullRequestPayload('synchronize'));
    // Eight re-checks in a row find GitHub down: more than the five attempts a job used to get.
    gh.scope.get(`${REPO}/pulls/2`).times(8).reply(503, { message: 'unavailable' });
    await vi.waitFor(() => expect(gh.scope.pendingMocks()).toEqual([]), { timeout: 10_000 });
    await vi.waitFor(async () => expect(await harness.store().jobs.pending()).toBe(1));
    gh.pull({ state: 'closed' });
    await vi.waitFor(() => expect(gh.scope.pendingMocks()).toEqual([]), { timeout: 10_000 });
    await vi.waitFor(async () => expect(await harness.store().jobs.pending()).toBe(0));
  });

  it('lets a redelivery through when the first delivery failed', async () => {
    const gh = gitHub().token();
    gh.scope.get(`${REPO}/contents/.github%2Fslo-gate.yml`).reply(200, POLICY);
    gh.scope.post(`${REPO}/statuses/${HEAD_SHA}`).reply(500, { message: 'boom' });
    const receive = await app(fakeMetrics(HEALTHY), { recheckIntervalMs: 60_000 });
    await expect(receive('pull_request', pullRequestPayload('opened'), 'same-delivery')).rejects.toThrow(/boom/);
    gh.policy(POLICY).status().comments();
    await receive('pull_request', pullRequestPayload('opened'), 'same-delivery');
    expect(gh.recorded.statuses).toEqual([expect.objectContaining({ state: 'success' })]);
    await harness.store().jobs.cancel('recheck:Codertocat/Hello-World#2');
  });

  it('lets work in flight finish before shutting down', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = fakeMetrics(HEALTHY);
    let asked = false;
    const gated = { queryScalar: async (query: string, at?: Date) => ((asked = true), await held, slow.queryScalar(query, at)) };
    const gh = gitHub().token().policy(POLICY).status().comments();
    const gate = createApp({ store: harness.store(), metrics: gated, queryCacheTtlMs: 0, random: () => 0.5 });
    const probot = await createTestProbot(gated, { store: harness.store(), queryCacheTtlMs: 0, app: gate });
    const delivery = probot.receive({ id: 'in-flight', name: 'pull_request', payload: pullRequestPayload('opened') } as any);
    await vi.waitFor(() => expect(asked).toBe(true));
    expect(await gate.drain(20)).toBe(false); // still waiting for the metrics
    const drained = gate.drain(5_000);
    release();
    expect(await drained).toBe(true);
    await delivery;
    expect(gh.recorded.statuses).toEqual([expect.objectContaining({ state: 'success' })]);
  });
});

describe('a custom context', () => {
  it("carries an invalid policy's error to the context the repository's policy named last", async () => {
    const gh = gitHub().token().policy(policyWith('context: slo-gate/checkout')).status().comments();
    const receive = await app(fakeMetrics(HEALTHY));
    await receive('pull_request', pullRequestPayload('opened'));
    gh.policy('slos: []').status().createComment();
    await receive('pull_request', pullRequestPayload('labeled'));
    expect(gh.recorded.statuses.map((s) => [s.context, s.state])).toEqual([
      ['slo-gate/checkout', 'success'],
      ['slo-gate/checkout', 'error'],
    ]);
  });
});

describe('budget tiers and expected passes, through the app', () => {
  const RESTRICTED = policyWith('budget: { restrictBelow: 25, allowLabels: [critical-fix] }');
  /** No burn, but only 10% of the budget left: below restrictBelow. */
  const LOW_BUDGET = { ...HEALTHY, '30d': 0.0009 };

  it('blocks a PR without an allowed label while the budget is restricted, and lets one with it through once the API confirms it', async () => {
    const gh = gitHub().token().policy(RESTRICTED).status().comments().createComment();
    const receive = await app(fakeMetrics(LOW_BUDGET));
    await receive(
      'pull_request',
      pullRequestPayload('synchronize', (p) => (p.pull_request.labels = [])),
    );
    gh.policy(RESTRICTED)
      .pull({ labels: ['critical-fix'] })
      .status()
      .updateComment(1);
    await receive('pull_request', labeled('critical-fix', '2026-11-22T10:00:00Z'));
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['failure', 'success']);
  });

  it('does not let a late labeled event for an allowed label through when the label is gone', async () => {
    const gh = gitHub().token().policy(RESTRICTED).pull({ labels: [] }).status().comments().createComment();
    const receive = await app(fakeMetrics(LOW_BUDGET));
    await receive('pull_request', labeled('critical-fix', '2026-11-22T10:00:00Z'));
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['failure']);
  });

  it('looks again as soon as a burning rule is expected to clear, sooner than the re-check interval', async () => {
    const gh = gitHub().token().policy(POLICY).status().comments().createComment();
    const schedule = vi.spyOn(harness.store().jobs, 'schedule');
    const receive = await app(fakeMetrics(FAST_BURN), { recheckIntervalMs: 3_600_000 });
    await receive('pull_request', pullRequestPayload('synchronize'));
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['failure']);
    expect(gh.recorded.statuses[0]!.description).toMatch(/passes ~5 min after errors stop/);
    // The last word on the re-check: due when the 5m window can clear, not in an hour.
    const [job, delay] = schedule.mock.calls.at(-1)!;
    expect(job.id).toBe('recheck:Codertocat/Hello-World#2');
    expect(delay).toBe(5 * 60_000);
  });
});
