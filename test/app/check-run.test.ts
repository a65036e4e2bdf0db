import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_SUMMARY_CHARS, boundSummary, checkRunState } from '../../src/github/check-run.js';
import { detailsLinks } from '../../src/details/link.js';
import { detailsKey } from '../../src/details/token.js';
import { decide } from '../../src/gate/decide.js';
import type { CheckRunReport } from '../../src/github/check-run.js';
import { publish } from '../../src/github/publish.js';
import type { PullRequestGitHub } from '../../src/github/pull-request.js';
import { parsePolicyText } from '../../src/policy/parse-policy.js';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { NO_TELEMETRY } from '../../src/telemetry.js';
import { capturedLog } from '../support/captured-log.js';
import { allWindows, policyWith as readingsPolicy, readingsOf } from '../support/readings.js';
import { COMMENT_MARKER } from '../../src/render/comment.js';
import { FAST_BURN, HEALTHY, fakeMetrics } from '../support/fake-metrics.js';
import { HEAD_SHA, REPO, gitHub } from '../support/github-nock.js';
import { policyWith } from '../support/policies.js';
import { createTestProbot, examplePayload, pullRequestPayload } from '../support/probot.js';
import { appHarness } from '../support/app-harness.js';
import { virtualTime } from '../support/virtual-time.js';
import { orgGitHub, shaOf } from '../org/org-github.js';

const POLICY = policyWith('report: check-run');
const BLOCKED = 'Blocked: checkout-availability burning 21.3× over 1h and 18.9× over 5m (limit 14.4×); passes ~5 min after errors stop';
const OUR_APP = 1; // the test Probot's app id, which GET /app answers too

const harness = appHarness();
let deliveries = 0;

/** Our check runs as GitHub's checks API sees them: listed by ref, created, updated; every write recorded. */
function checks(gh: ReturnType<typeof gitHub>) {
  const written: Array<{ method: 'create' | 'update'; id?: number; body: any }> = [];
  const api = {
    written,
    list(runs: Array<{ id: number; app: number; name?: string }> = []) {
      gh.scope
        .get(`${REPO}/commits/${HEAD_SHA}/check-runs`)
        .query({ check_name: 'slo-gate', app_id: String(OUR_APP), filter: 'latest', per_page: '100' })
        .reply(200, { total_count: runs.length, check_runs: runs.map((r) => ({ id: r.id, name: r.name ?? 'slo-gate', app: { id: r.app } })) });
      return api;
    },
    create(id = 77) {
      gh.scope.post(`${REPO}/check-runs`, (body) => (written.push({ method: 'create', body }), true)).reply(201, { id });
      return api;
    },
    update(id: number, status = 200) {
      gh.scope
        .patch(`${REPO}/check-runs/${id}`, (body) => (status === 200 && written.push({ method: 'update', id, body }), true))
        .reply(status, status === 200 ? { id } : { message: 'Not Found' });
      return api;
    },
  };
  return api;
}

async function app(metrics: ReturnType<typeof fakeMetrics>) {
  const probot = await createTestProbot(metrics, { store: harness.store(), queryCacheTtlMs: 0 });
  return (name: string, payload: unknown) => probot.receive({ id: `check-run-${++deliveries}`, name, payload } as any);
}

/** The Re-run button pressed on a check run, shaped exactly like GitHub's own payload. */
const rerequested = (changes: (run: any) => void = () => {}) =>
  examplePayload(
    'check_run',
    (e) => e.action === 'rerequested',
    (p) => {
      p.repository.name = 'Hello-World';
      p.repository.full_name = 'Codertocat/Hello-World';
      p.repository.owner.login = 'Codertocat';
      p.check_run.name = 'slo-gate';
      p.check_run.head_sha = HEAD_SHA;
      p.check_run.external_id = '2';
      p.check_run.app.id = OUR_APP;
      changes(p.check_run);
    },
  );

describe('a policy with report: check-run', () => {
  it('blocks a PR with a failing check run named by the context, with the comment as its summary, and no commit status', async () => {
    const gh = gitHub().token().policy(POLICY).app().comments().createComment();
    const runs = checks(gh).list().create();
    await (
      await app(fakeMetrics(FAST_BURN))
    )('pull_request', pullRequestPayload('synchronize'));
    expect(gh.recorded.statuses).toEqual([]);
    expect(runs.written).toHaveLength(1);
    const { body } = runs.written[0]!;
    expect(body).toMatchObject({ name: 'slo-gate', head_sha: HEAD_SHA, external_id: '2', status: 'completed', conclusion: 'failure' });
    expect(body.output.title).toBe(BLOCKED);
    expect(body.output.summary).toContain(COMMENT_MARKER);
    expect(body.output.summary).toContain('merging is blocked');
    expect(body.output.summary).toBe(gh.recorded.created[0]);
  });

  it('updates the same check run to success when the budget recovers, without creating a second one', async () => {
    const gh = gitHub().token().policy(POLICY).app().comments().createComment().policy(POLICY).updateComment(1);
    const runs = checks(gh).list().create(77).update(77);
    const metrics = fakeMetrics(FAST_BURN);
    const receive = await app(metrics);
    await receive('pull_request', pullRequestPayload('synchronize'));
    Object.assign(metrics, fakeMetrics(HEALTHY));
    await receive('pull_request', pullRequestPayload('synchronize'));
    expect(runs.written.map((w) => [w.method, w.body.conclusion])).toEqual([
      ['create', 'failure'],
      ['update', 'success'],
    ]);
    expect(runs.written[1]!.id).toBe(77);
  });

  it('creates its check run again when the one it remembers is gone, rather than failing the evaluation', async () => {
    const gh = gitHub().token().policy(POLICY).app().comments().createComment().policy(POLICY).updateComment(1);
    const runs = checks(gh).list().create(77).update(77, 404).create(78);
    const metrics = fakeMetrics(FAST_BURN);
    const receive = await app(metrics);
    await receive('pull_request', pullRequestPayload('synchronize'));
    Object.assign(metrics, fakeMetrics(HEALTHY));
    await receive('pull_request', pullRequestPayload('synchronize'));
    expect(runs.written.map((w) => [w.method, w.body.conclusion])).toEqual([
      ['create', 'failure'],
      ['create', 'success'],
    ]);
  });

  it('writes nothing to the check run again while the verdict is unchanged', async () => {
    const gh = gitHub().token().policy(POLICY).app().comments().createComment().policy(POLICY);
    const runs = checks(gh).list().create();
    const receive = await app(fakeMetrics(FAST_BURN));
    await receive('pull_request', pullRequestPayload('synchronize'));
    await receive('pull_request', pullRequestPayload('synchronize'));
    expect(runs.written).toHaveLength(1);
  });

  it('finds its check run by name and app on a head it has no memory of, instead of creating a second one', async () => {
    const gh = gitHub().token().policy(POLICY).app().comments().createComment();
    const runs = checks(gh)
      .list([
        { id: 5, app: 99 },
        { id: 6, app: OUR_APP },
      ])
      .update(6);
    await (
      await app(fakeMetrics(FAST_BURN))
    )('pull_request', pullRequestPayload('synchronize'));
    expect(runs.written.map((w) => [w.method, w.id])).toEqual([['update', 6]]);
  });
});

describe('the Re-run button on a check run', () => {
  it('re-evaluates the pull request now and writes the check run again, though its verdict is unchanged', async () => {
    const gh = gitHub().token().policy(POLICY).app().comments().createComment().pull().policy(POLICY);
    const runs = checks(gh).list().create(4).update(4);
    const metrics = fakeMetrics(FAST_BURN);
    const receive = await app(metrics);
    await receive('pull_request', pullRequestPayload('synchronize'));
    const queried = metrics.queries.length;
    await receive('check_run', rerequested());
    expect(metrics.queries.length).toBeGreaterThan(queried);
    expect(runs.written.map((w) => [w.method, w.body.conclusion])).toEqual([
      ['create', 'failure'],
      ['update', 'failure'],
    ]);
  });

  it('re-runs from “Re-run all checks” on our suite, for the pull request the suite lists', async () => {
    const gh = gitHub().token().app().pull().policy(POLICY).comments().createComment();
    const runs = checks(gh)
      .list([{ id: 4, app: OUR_APP }])
      .update(4);
    const suite = examplePayload(
      'check_suite',
      (e) => e.action === 'rerequested',
      (p) => {
        p.check_suite.app.id = OUR_APP;
        p.check_suite.head_sha = HEAD_SHA;
      },
    );
    await (
      await app(fakeMetrics(FAST_BURN))
    )('check_suite', suite);
    expect(runs.written.map((w) => [w.method, w.id, w.body.conclusion])).toEqual([['update', 4, 'failure']]);
  });

  it('is ignored for another app’s check run, without asking GitHub anything but who we are', async () => {
    gitHub().app();
    const metrics = fakeMetrics(FAST_BURN);
    await (
      await app(metrics)
    )(
      'check_run',
      rerequested((run) => (run.app.id = 2)),
    );
    expect(metrics.queries).toEqual([]);
  });

  it('is ignored for a head the pull request has moved on from: the newer head has its own check run', async () => {
    gitHub()
      .app()
      .token()
      .pull({ sha: 'f'.repeat(40) });
    const metrics = fakeMetrics(FAST_BURN);
    await (
      await app(metrics)
    )('check_run', rerequested());
    expect(metrics.queries).toEqual([]);
  });
});

describe('pull requests with report: check-run in a gate group', () => {
  const T0 = Date.parse('2026-11-22T10:00:00Z');
  const INTERVAL = 300_000;
  let gh: ReturnType<typeof orgGitHub> | undefined;
  afterEach(() => gh?.stop());

  it('get their check runs updated to success by the group job when the budget recovers, and no commit status', async () => {
    const table = { ...FAST_BURN };
    const time = virtualTime(harness.store(), T0);
    const probot = await createTestProbot(fakeMetrics(table), {
      store: time.store,
      now: time.now,
      recheckIntervalMs: INTERVAL,
      queryCacheTtlMs: 0,
      gateGroups: true,
      policyCacheTtlMs: 3_600_000,
    });
    gh = orgGitHub().token().app().policy(POLICY).files([1, 2]).firstComments([1, 2]);
    const runs: string[] = [];
    const base = '/repos/Codertocat/Hello-World';
    for (const n of [1, 2]) {
      gh.scope
        .get(`${base}/commits/${shaOf(n)}/check-runs`)
        .query(true)
        .reply(200, { total_count: 0, check_runs: [] });
      gh.scope.post(`${base}/check-runs`, (b) => (runs.push(`#${n} create ${b.conclusion}`), b.head_sha === shaOf(n))).reply(201, { id: 500 + n });
    }
    for (const n of [1, 2]) {
      const payload = pullRequestPayload('opened', (p) => {
        p.number = n;
        p.pull_request.number = n;
        p.pull_request.head.sha = shaOf(n);
        p.pull_request.updated_at = new Date(T0 + n * 1000).toISOString();
        p.pull_request.labels = [];
      });
      await probot.receive({ id: `group-${n}`, name: 'pull_request', payload } as any);
      await time.advance(1_000);
    }
    expect(runs).toEqual(['#1 create failure', '#2 create failure']);
    expect(time.waiting().map((w) => w.kind)).toContain('gate-group');

    Object.assign(table, HEALTHY);
    for (const n of [1, 2]) gh.scope.patch(`${base}/check-runs/${500 + n}`, (b) => (runs.push(`#${n} update ${b.conclusion}`), true)).reply(200, {});
    gh.commentUpdates([1, 2]);
    await time.advance(INTERVAL);
    await vi.waitFor(() => expect(gh!.scope.pendingMocks()).toEqual([]), { timeout: 10_000 });
    expect(runs.slice(2).sort()).toEqual(['#1 update success', '#2 update success']);
    expect(gh.written.statuses).toEqual([]);
    expect(gh.unexpected).toEqual([]);
  });
});

describe('what a check run shows', () => {
  it('never lets a blocked or failed gate pass a required check: only success is success, error is failure, undecided stays in progress', () => {
    expect(checkRunState('success')).toEqual({ status: 'completed', conclusion: 'success' });
    expect(checkRunState('failure')).toEqual({ status: 'completed', conclusion: 'failure' });
    expect(checkRunState('error')).toEqual({ status: 'completed', conclusion: 'failure' });
    expect(checkRunState('pending')).toEqual({ status: 'in_progress' });
  });

  it('keeps a summary within GitHub’s 65,535 characters, cut at a line and saying so, and leaves one that fits alone', () => {
    const long = Array.from({ length: 3000 }, (_, i) => `| row ${i} | ${'x'.repeat(30)} |`).join('\n');
    const bounded = boundSummary(long);
    expect(bounded.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
    expect(bounded).toMatch(/\|\n\n_The rest of this summary is left out: it is longer than a check run can show\._$/);
    expect(boundSummary('short')).toBe('short');
    expect(boundSummary('x'.repeat(MAX_SUMMARY_CHARS))).toHaveLength(MAX_SUMMARY_CHARS);
  });
});

describe('the report key of a policy', () => {
  it('is status unless the policy says check-run, and refuses anything else with the choices and its line', () => {
    expect(parsePolicyText(policyWith('')).report).toBe('status');
    expect(parsePolicyText(POLICY).report).toBe('check-run');
    expect(() => parsePolicyText(policyWith('report: checks'))).toThrow(/report.*must be one of status, check-run/s);
  });
});

describe('the check run of a pull request with PUBLIC_URL set', () => {
  it('links the details page as its details_url, the same link the comment gives', async () => {
    const store = createMemoryStore();
    const shown: CheckRunReport[] = [];
    const comments: string[] = [];
    const policy = { ...readingsPolicy(), report: 'check-run' as const };
    const blocked = { kind: 'verdict' as const, verdict: decide(policy, readingsOf({ [policy.slos[0]!.name]: allWindows(0.05) })) };
    const github = { findSummaryComment: async () => undefined, createComment: async (body: string) => comments.push(body) } as unknown as PullRequestGitHub;
    const sink = {
      github,
      statuses: { set: async () => expect.fail('no commit status with report: check-run'), read: async () => undefined },
      checks: { find: async () => undefined, create: async (_sha: string, run: CheckRunReport) => shown.push(run), update: async () => true },
      store,
      telemetry: NO_TELEMETRY,
      log: capturedLog().log,
      details: detailsLinks({ publicUrl: 'https://gate.example.com', key: detailsKey('operator-webhook-secret'), store, now: () => Date.UTC(2026, 11, 2) }),
    };
    const sha = 'c'.repeat(40);
    await publish(sink, blocked, {
      repo: 'acme/shop',
      number: 7,
      sha,
      context: 'slo-gate',
      policy,
      recheckEveryMs: 300_000,
      compareWithGitHub: false,
      stillCurrent: async () => true,
      report: 'check-run',
    });
    expect(shown).toHaveLength(1);
    expect(shown[0]!.detailsUrl).toMatch(/^https:\/\/gate\.example\.com\/slo-gate\/details\//);
    expect(comments[0]).toContain(`📈 [Burn-rate charts and details](${shown[0]!.detailsUrl})`);
    expect(shown[0]).toMatchObject({ name: 'slo-gate', state: 'failure', pullRequest: 7, summary: comments[0] });
  });
});
