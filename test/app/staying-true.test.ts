import { describe, expect, it, vi } from 'vitest';
import { FAST_BURN, HEALTHY, fakeMetrics } from '../support/fake-metrics.js';
import { gitHub, HEAD_SHA } from '../support/github-nock.js';
import { POLICY } from '../support/policies.js';
import { createTestProbot, examplePayload, pullRequestPayload, type TestProbotOptions } from '../support/probot.js';
import { appHarness } from '../support/app-harness.js';

/** A metrics source whose answers the test switches, as a recovering service would. */
function switchable(initial: Record<string, number>) {
  let current = initial;
  const metrics = fakeMetrics(new Proxy({}, { get: (_t, window: string) => current[window] }));
  return { metrics, set: (next: Record<string, number>) => (current = next) };
}

const harness = appHarness();
let deliveries = 0;

async function app(metrics: ReturnType<typeof fakeMetrics>, options: TestProbotOptions = {}) {
  const probot = await createTestProbot(metrics, { store: harness.store(), queryCacheTtlMs: 0, ...options });
  return {
    probot,
    receive: (name: string, payload: unknown, id = `delivery-${++deliveries}`) => probot.receive({ id, name, payload } as any),
  };
}

describe('re-evaluation', () => {
  it('flips a blocked PR to success on its own once the budget recovers', async () => {
    const service = switchable(FAST_BURN);
    const gh = gitHub().token().policy(POLICY).status().comments().createComment();
    const { receive } = await app(service.metrics, { recheckIntervalMs: 30 });
    await receive('pull_request', pullRequestPayload('synchronize'));
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['failure']);
    expect(gh.recorded.created[0]).toContain('slo-gate looks again every 1 min until this passes');

    service.set(HEALTHY);
    gh.pull().policy(POLICY).shown([gh.recorded.statuses[0]!]).status().updateComment(1);
    await vi.waitFor(() => expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['failure', 'success']), { timeout: 2000 });
    await vi.waitFor(() => expect(gh.recorded.updated).toHaveLength(1));
    expect(gh.recorded.updated[0]!.body).toContain('the error budget is healthy');
    expect(await harness.store().jobs.pending()).toBe(0);
  });

  it('keeps looking while the PR stays blocked, without rewriting an unchanged status or comment', async () => {
    const gh = gitHub().token().policy(POLICY).status().comments().createComment();
    const { receive } = await app(fakeMetrics(FAST_BURN), { recheckIntervalMs: 30 });
    await receive('pull_request', pullRequestPayload('synchronize'));
    const shown = [gh.recorded.statuses[0]!];
    gh.pull().policy(POLICY).shown(shown).pull().policy(POLICY).shown(shown);
    await vi.waitFor(() => expect(gh.scope.pendingMocks()).toEqual([]), { timeout: 2000 });
    expect(gh.recorded.statuses).toHaveLength(1);
    expect(gh.recorded.updated).toEqual([]);
    await harness.store().jobs.cancel('recheck:Codertocat/Hello-World#2');
  });

  it('stops re-checking a PR that was closed', async () => {
    const gh = gitHub().token().policy(POLICY).status().comments().createComment();
    const { receive } = await app(fakeMetrics(FAST_BURN), { recheckIntervalMs: 30 });
    await receive('pull_request', pullRequestPayload('opened'));
    gh.pull({ state: 'closed' });
    await vi.waitFor(() => expect(gh.scope.pendingMocks()).toEqual([]), { timeout: 2000 });
    await vi.waitFor(async () => expect(await harness.store().jobs.pending()).toBe(0));
  });

  it('re-evaluates open PRs when the policy changes on the default branch', async () => {
    const gh = gitHub().token().policy(POLICY).openPulls([2]);
    const { receive } = await app(fakeMetrics(HEALTHY));
    const push = examplePayload(
      'push',
      (e) => e.ref === 'refs/heads/master' && e.installation,
      (p) => {
        p.commits[0].modified = ['.github/slo-gate.yml'];
      },
    );
    gh.pull().policy(POLICY).shown().status().comments();
    await receive('push', push);
    await vi.waitFor(() => expect(gh.scope.pendingMocks()).toEqual([]), { timeout: 5000 });
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['success']);
  });

  it('ignores pushes that do not touch the policy, and pushes to branches no environment deploys', async () => {
    // The first push to the default branch reads the policy once, to learn which branches its environments deploy.
    gitHub().token().policy(POLICY);
    const { receive } = await app(fakeMetrics(HEALTHY));
    await receive(
      'push',
      examplePayload('push', (e) => e.ref === 'refs/heads/master' && e.installation),
    );
    await receive(
      'push',
      examplePayload(
        'push',
        (e) => e.ref === 'refs/heads/master' && e.installation,
        (p) => {
          p.ref = 'refs/heads/feature';
          p.commits[0].modified = ['.github/slo-gate.yml'];
        },
      ),
    );
    // The next push to the default branch: the policy (no environments) is remembered, nothing is read.
    await receive(
      'push',
      examplePayload('push', (e) => e.ref === 'refs/heads/master' && e.installation),
    );
    expect(await harness.store().jobs.pending()).toBe(0);
  });

  it('releases a blocked head when the policy is removed, so a required check does not hang', async () => {
    const gh = gitHub().token().policy(POLICY).status().comments().createComment();
    const { receive } = await app(fakeMetrics(FAST_BURN));
    await receive('pull_request', pullRequestPayload('synchronize'));
    gh.policy(404).policy(404, '/repos/Codertocat/.github').status();
    await receive('pull_request', pullRequestPayload('labeled'));
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['failure', 'success']);
    expect(gh.recorded.statuses[1]!.description).toBe('Not gated: the repository has no .github/slo-gate.yml any more');
    expect(await harness.store().jobs.pending()).toBe(0);
  });
});

describe('the /slo-gate recheck command', () => {
  const command = (login: string, body = '/slo-gate recheck') =>
    examplePayload(
      'issue_comment',
      (e) => e.action === 'created' && e.installation,
      (p) => {
        p.issue.number = 2;
        p.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/2' };
        p.comment.body = body;
        p.comment.user.login = login;
      },
    );

  it('evaluates now when someone with triage permission asks', async () => {
    const gh = gitHub().token().permission('alice', 'triage').pull().policy(POLICY).shown().status().comments();
    const { receive } = await app(fakeMetrics(HEALTHY));
    await receive('issue_comment', command('alice'));
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['success']);
  });

  it('answers someone without triage permission with a reaction, and evaluates nothing', async () => {
    const gh = gitHub().token().permission('bob', 'read').reaction(492700400);
    const { receive } = await app(fakeMetrics(HEALTHY));
    await receive('issue_comment', command('bob'));
    expect(gh.recorded.reactions).toEqual([{ commentId: 492700400, content: '-1' }]);
    expect(gh.recorded.statuses).toEqual([]);
  });

  it.each([
    ['a comment that only mentions the command', 'please run /slo-gate recheck later'],
    ['another command', '/slo-gate please'],
  ])('ignores %s', async (_name, body) => {
    const { receive } = await app(fakeMetrics(HEALTHY));
    await receive('issue_comment', command('alice', body));
  });
});

describe('concurrency and idempotency', () => {
  it('processes a webhook GitHub delivers twice only once', async () => {
    const gh = gitHub().token().policy(POLICY).status().comments().createComment();
    const { receive } = await app(fakeMetrics(FAST_BURN));
    await receive('pull_request', pullRequestPayload('synchronize'), 'same-delivery');
    await receive('pull_request', pullRequestPayload('synchronize'), 'same-delivery');
    expect(gh.recorded.statuses).toHaveLength(1);
  });

  it('lets GitHub redeliver a webhook whose processing failed', async () => {
    gitHub()
      .token()
      .policy(POLICY)
      .scope.post(/\/statuses\//)
      .reply(500, { message: 'boom' });
    const { receive } = await app(fakeMetrics(FAST_BURN));
    await expect(receive('pull_request', pullRequestPayload('synchronize'), 'flaky')).rejects.toThrow();
    const gh = gitHub().policy(POLICY).status().comments().createComment();
    await receive('pull_request', pullRequestPayload('synchronize'), 'flaky');
    expect(gh.recorded.statuses).toHaveLength(1);
  });

  it('creates one comment when a labeled and a synchronize event arrive together', async () => {
    const gh = gitHub().token().policy(POLICY).policy(POLICY).status().comments().createComment();
    const { receive } = await app(fakeMetrics(FAST_BURN));
    const sameMoment = (p: any) => (p.pull_request.updated_at = '2019-05-15T15:20:35Z');
    await Promise.all([
      receive('pull_request', pullRequestPayload('labeled', sameMoment)),
      receive('pull_request', pullRequestPayload('synchronize', sameMoment)),
    ]);
    expect(gh.recorded.created).toHaveLength(1);
    expect(gh.recorded.statuses).toHaveLength(1); // the second evaluation found the same status already written
  });

  it('does not let a late event for an old head overwrite what the newer head wrote', async () => {
    const newer = 'b'.repeat(40);
    const gh = gitHub().token().policy(POLICY).status(newer).comments().createComment();
    const { receive } = await app(fakeMetrics(FAST_BURN));
    await receive(
      'pull_request',
      pullRequestPayload('synchronize', (p) => {
        p.pull_request.head.sha = newer;
        p.pull_request.updated_at = '2026-11-22T10:05:00Z';
      }),
    );
    await receive(
      'pull_request',
      pullRequestPayload('labeled', (p) => (p.pull_request.updated_at = '2026-11-22T10:00:00Z')),
    );
    expect(gh.recorded.statusShas).toEqual([newer]);
    expect(gh.recorded.created).toHaveLength(1);
  });

  it('stops an evaluation of an older head from writing once a newer head has arrived', async () => {
    const newer = 'c'.repeat(40);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = fakeMetrics(FAST_BURN);
    let asked = 0;
    const metrics = { queries: slow.queries, queryScalar: async (q: string) => (asked++, await gate, slow.queryScalar(q)) };
    const gh = gitHub().token().policy(POLICY).policy(POLICY).status(newer).comments().createComment();
    const { receive } = await app(metrics);
    const older = receive(
      'pull_request',
      pullRequestPayload('synchronize', (p) => (p.pull_request.updated_at = '2026-11-22T10:00:00Z')),
    );
    await vi.waitFor(() => expect(asked).toBeGreaterThan(0)); // the older head is being measured
    const newerEvent = receive(
      'pull_request',
      pullRequestPayload('synchronize', (p) => {
        p.pull_request.head.sha = newer;
        p.pull_request.updated_at = '2026-11-22T10:05:00Z';
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await Promise.all([older, newerEvent]);
    expect(gh.recorded.statusShas).toEqual([newer]);
    expect(gh.recorded.created).toHaveLength(1);
  });

  it('asks GitHub for the comments of a passing pull request once, and creates one when it starts failing', async () => {
    const service = switchable(HEALTHY);
    const gh = gitHub().token().policy(POLICY).status().comments();
    const { receive } = await app(service.metrics);
    await receive('pull_request', pullRequestPayload('opened'));
    gh.policy(POLICY);
    await receive('pull_request', pullRequestPayload('labeled')); // same head, same result: no request beyond the policy
    expect(gh.scope.pendingMocks()).toEqual([]);
    service.set(FAST_BURN);
    gh.policy(POLICY).status().createComment();
    await receive(
      'pull_request',
      pullRequestPayload('synchronize', (p) => (p.pull_request.updated_at = '2019-05-15T15:21:00Z')),
    );
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['success', 'failure']);
    expect(gh.recorded.created).toHaveLength(1);
    await harness.store().jobs.cancel('recheck:Codertocat/Hello-World#2');
  });

  it('finds the comment again when someone deleted it', async () => {
    const gh = gitHub().token().policy(POLICY).status().comments().createComment();
    const service = switchable(FAST_BURN);
    const { receive } = await app(service.metrics);
    await receive('pull_request', pullRequestPayload('synchronize'));
    service.set({ ...FAST_BURN, '1h': 0.03 });
    gh.policy(POLICY).status().updateComment(1, 404).comments().createComment();
    await receive('pull_request', pullRequestPayload('synchronize'));
    expect(gh.recorded.created).toHaveLength(2);
  });
});

describe('GitHub failing', () => {
  it('retries a 502 on the status write and writes the status once', async () => {
    const gh = gitHub().token().policy(POLICY);
    gh.scope.post(`/repos/Codertocat/Hello-World/statuses/${HEAD_SHA}`).reply(502, 'Bad Gateway');
    gh.status().comments();
    const { receive } = await app(fakeMetrics(HEALTHY), { retries: true });
    await receive('pull_request', pullRequestPayload('opened'));
    expect(gh.recorded.statuses).toEqual([expect.objectContaining({ state: 'success' })]);
  });

  it('writes the status with a re-check after a secondary rate limit, which Probot does not retry', async () => {
    // Probot's own throttle options (probot run) only log "Secondary quota detected" and give up.
    const gh = gitHub().token().policy(POLICY);
    gh.scope
      .post(`/repos/Codertocat/Hello-World/statuses/${HEAD_SHA}`)
      .reply(403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, { 'retry-after': '1' });
    const { receive } = await app(fakeMetrics(HEALTHY), { recheckIntervalMs: 30 });
    await expect(receive('pull_request', pullRequestPayload('opened'))).rejects.toThrow(/secondary rate limit/);
    gh.pull().policy(POLICY).shown().status().comments();
    // Every request of the re-check, the comment lookup after the status included, before asserting.
    await vi.waitFor(() => expect(gh.scope.pendingMocks()).toEqual([]), { timeout: 5000 });
    expect(gh.recorded.statuses).toEqual([expect.objectContaining({ state: 'success' })]);
  });

  it('writes the status with a later re-check when GitHub keeps failing past the retries', async () => {
    const gh = gitHub().token().policy(POLICY);
    gh.scope.post(`/repos/Codertocat/Hello-World/statuses/${HEAD_SHA}`).reply(500, { message: 'boom' });
    const { receive } = await app(fakeMetrics(HEALTHY), { recheckIntervalMs: 30 });
    await expect(receive('pull_request', pullRequestPayload('opened'))).rejects.toThrow(/boom/);
    gh.pull().policy(POLICY).shown().status().comments();
    // Every request of the re-check, the comment lookup after the status included, before asserting.
    await vi.waitFor(() => expect(gh.scope.pendingMocks()).toEqual([]), { timeout: 5000 });
    expect(gh.recorded.statuses).toEqual([expect.objectContaining({ state: 'success' })]);
  });
});
