import { readFileSync } from 'node:fs';
/**
 * Issue 8 through the real app, with GitHub behind nock: blocked pull requests are re-checked per
 * gate group, from the index the webhooks keep, and GitHub hears from the app only when a verdict
 * changes, a reconciliation is due, or a policy was pushed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTelemetry } from '../../src/telemetry.js';
import { appHarness } from '../support/app-harness.js';
import { FAST_BURN, HEALTHY, fakeMetrics } from '../support/fake-metrics.js';
import { POLICY, policyWith } from '../support/policies.js';
import { createTestProbot, examplePayload, pullRequestPayload } from '../support/probot.js';
import { virtualTime } from '../support/virtual-time.js';
import { OWNER, orgGitHub, shaOf } from './org-github.js';

const harness = appHarness();
const INTERVAL = 300_000;
const T0 = Date.parse('2026-11-22T10:00:00Z');
const WINDOWS = Object.keys(FAST_BURN).length;
/** Writing 20 pull requests through nock can take a while on a busy machine. */
const WAIT = { timeout: 10_000 };
let github: ReturnType<typeof orgGitHub> | undefined;

afterEach(() => {
  github?.stop();
  github = undefined;
});

function gitHub() {
  github = orgGitHub();
  return github;
}

async function orgApp(burn: Record<string, number>) {
  const table = { ...burn };
  const metrics = fakeMetrics(table);
  const time = virtualTime(harness.store(), T0);
  const telemetry = createTelemetry(() => time.store.jobs.pending());
  const probot = await createTestProbot(metrics, {
    store: time.store,
    now: time.now,
    recheckIntervalMs: INTERVAL,
    queryCacheTtlMs: 0,
    gateGroups: true,
    policyCacheTtlMs: 3_600_000,
    telemetry,
  });
  let deliveries = 0;
  const receive = (name: string, payload: unknown) => probot.receive({ id: `org-${++deliveries}`, name, payload } as any);
  const kinds = () => time.waiting().map((w) => w.kind);
  /** Moves the clock on, and waits for the gate group's job to have run and come back. */
  const groupRuns = async (ms: number) => {
    await time.advance(ms);
    await vi.waitFor(() => expect(kinds()).toContain('gate-group'), WAIT);
  };
  return { metrics, table, time, telemetry, receive, kinds, groupRuns };
}

const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const opened = (number: number, updatedAt = at(0)) =>
  pullRequestPayload('opened', (p) => {
    p.number = number;
    p.pull_request.number = number;
    p.pull_request.head.sha = shaOf(number);
    p.pull_request.updated_at = updatedAt;
    p.pull_request.labels = [];
  });
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** A push to `repo`'s default branch whose one commit modified `file`. */
const pushToDefaultBranch = (repo: string, file: string) =>
  examplePayload(
    'push',
    (e) => e.ref === 'refs/heads/master' && e.installation,
    (p) => {
      p.repository.name = repo;
      p.repository.full_name = `${OWNER}/${repo}`;
      p.repository.default_branch = 'master';
      p.commits = [{ ...p.head_commit, modified: [file] }];
      p.head_commit = null;
    },
  );

/** Twenty pull requests opened one second apart while checkout burns: all blocked, all in one gate group. */
async function twentyBlocked(app: Awaited<ReturnType<typeof orgApp>>) {
  const gh = gitHub().token().app().policy(POLICY).files(range(20)).statuses(range(20)).firstComments(range(20));
  for (const number of range(20)) {
    await app.receive('pull_request', opened(number, at(number)));
    await app.time.advance(1_000);
  }
  expect(gh.written.statuses).toEqual(range(20).map((n) => `#${n} failure`));
  // One job for the group and one reconciliation for the repository; no pull request has a re-check of its own.
  expect(app.kinds().sort()).toEqual(['gate-group', 'reconcile']);
  return gh;
}

describe('an organisation-wide incident', () => {
  it('costs no GitHub request at all in an interval where nothing changed, for 20 blocked pull requests in one group', async () => {
    const app = await orgApp(FAST_BURN);
    const gh = await twentyBlocked(app);
    const queried = app.metrics.queries.length;
    await app.groupRuns(INTERVAL);
    await app.groupRuns(INTERVAL);
    expect(gh.unexpected).toEqual([]);
    expect(gh.written.statuses).toHaveLength(20);
    // Each interval measures the group's SLOs once, not once per pull request, and decides nobody again.
    expect(app.metrics.queries.length - queried).toBe(2 * WINDOWS);
    expect(await app.telemetry.registry.metrics()).toMatch(/^slo_gate_decisions_total\{state="failure",target="pull_request"\} 20$/m);
  });

  it('flips every blocked pull request to success after recovery, the longest blocked first, every status before any comment, and then stops looking', async () => {
    const app = await orgApp(FAST_BURN);
    const gh = await twentyBlocked(app);
    Object.assign(app.table, HEALTHY);
    gh.statuses(range(20)).commentUpdates(range(20));
    await app.time.advance(INTERVAL);
    await vi.waitFor(() => expect(gh.written.statuses).toHaveLength(40), WAIT);
    expect(gh.written.statuses.slice(20)).toEqual(range(20).map((n) => `#${n} success`));
    await vi.waitFor(() => expect(gh.scope.pendingMocks()).toEqual([]), WAIT);
    expect(gh.written.order.slice(-40)).toEqual([...Array(20).fill('status'), ...Array(20).fill('comment')]);
    expect(gh.unexpected).toEqual([]);
    await vi.waitFor(() => expect(app.kinds()).toEqual(['reconcile']), WAIT); // the group is empty: its job is not rescheduled
  });

  it('writes error where the measurement fails, once, and nothing more while it keeps failing', async () => {
    const app = await orgApp(FAST_BURN);
    const gh = await twentyBlocked(app);
    Object.assign(app.table, { '5m': new Error('Prometheus is down') });
    gh.statuses(range(20)).commentUpdates(range(20));
    await app.groupRuns(INTERVAL);
    await vi.waitFor(() => expect(gh.written.statuses).toHaveLength(40), WAIT);
    expect(gh.written.statuses.slice(20)).toEqual(range(20).map((n) => `#${n} error`));
    await app.groupRuns(INTERVAL);
    expect(gh.unexpected).toEqual([]);
    expect(gh.written.statuses).toHaveLength(40);
  });
});

describe('a webhook that never arrived', () => {
  it('is corrected by the next reconciliation: a missed synchronize gets its new head gated, and costs nothing after', async () => {
    const app = await orgApp(FAST_BURN);
    const gh = gitHub().token().app().policy(POLICY).files([7]).statuses([7]).firstComments([7]);
    // Opened 10 s after a tick of the groups: its repository's reconciliation (every 3 intervals) falls between their runs.
    await app.time.advance(10_000);
    await app.receive('pull_request', opened(7, at(10)));
    // The push to #7 happens at 10:01, but GitHub never delivers its synchronize event.
    const pushed = { sha: shaOf(7, 1), updatedAt: at(60) };
    await app.groupRuns(INTERVAL - 10_000); // 5 min
    await app.groupRuns(INTERVAL); // 10 min
    await app.groupRuns(INTERVAL); // 15 min
    expect(gh.unexpected).toEqual([]);
    gh.openPulls([{ number: 7, ...pushed }])
      .pull(7, pushed)
      .files([7])
      .shown(pushed.sha, [])
      .statuses([7], { sha: () => pushed.sha })
      .commentUpdates([7]);
    await app.time.advance(10_000); // the reconciliation is due
    await vi.waitFor(() => expect(gh.scope.pendingMocks()).toEqual([]), WAIT);
    expect(gh.written.statuses).toEqual(['#7 failure', '#7 failure']);
    await vi.waitFor(() => expect(app.kinds().sort()).toEqual(['gate-group', 'reconcile']), WAIT);
    await app.groupRuns(INTERVAL); // the group now knows the new head: nothing to write
    expect(gh.unexpected).toEqual([]);
  });
});

describe("a change to the organisation's default policy", () => {
  it('re-evaluates the pull requests of the repositories that inherit it, at once', async () => {
    const app = await orgApp(FAST_BURN);
    const orgRepo = `/repos/${OWNER}/.github`;
    const gh = gitHub().token().app().policy(404).policy(POLICY, orgRepo).files([2]).statuses([2]).firstComments([2]);
    await app.receive('pull_request', opened(2));
    expect(gh.written.statuses).toEqual(['#2 failure']);

    // The organisation switches its default to warn mode: the push handler reads it, and #2 is looked at again.
    const warn = policyWith('mode: warn');
    gh.policy(warn, orgRepo)
      .policy(404)
      .policy(warn, orgRepo)
      .pull(2, { sha: shaOf(2), updatedAt: at(0) })
      .shown(shaOf(2), [])
      .statuses([2])
      .commentUpdates([2]);
    gh.scope.get(`${orgRepo}/pulls`).query({ state: 'open', per_page: 100 }).reply(200, []);
    await app.receive('push', pushToDefaultBranch('.github', '.github/slo-gate.yml'));
    await vi.waitFor(() => expect(gh.written.statuses).toEqual(['#2 failure', '#2 success']), WAIT);
    await vi.waitFor(() => expect(gh.scope.pendingMocks()).toEqual([]), WAIT);
    expect(gh.unexpected).toEqual([]);
  });
});

describe('a change to a Sloth file the policy reads its SLOs from', () => {
  it('counts as a policy change: the cached policy is dropped and the open pull requests are looked at again', async () => {
    const app = await orgApp(FAST_BURN);
    const sloth = readFileSync(new URL('../fixtures/sloth/checkout.yml', import.meta.url), 'utf8');
    const slothFile = () =>
      gh.scope
        .get(`/repos/${OWNER}/Hello-World/contents/slo%2Fcheckout.yml`)
        .reply(200, { type: 'file', encoding: 'base64', size: Buffer.byteLength(sloth), content: Buffer.from(sloth).toString('base64') });
    const policy = POLICY.replace(
      / {4}objective: 99\.9\n {4}sli:\n {6}raw:\n {8}errorRatioQuery: .*\n/,
      '    sloth: { file: slo/checkout.yml, slo: requests-availability }\n',
    );
    expect(policy).toContain('sloth:');
    const gh = gitHub().token().app().policy(policy).files([2]).statuses([2]).firstComments([2]);
    slothFile();
    await app.receive('pull_request', opened(2));
    expect(gh.written.statuses).toEqual(['#2 failure']);
    expect(gh.scope.pendingMocks()).toEqual([]);

    // Only the Sloth file changes. The push handler reads the policy afresh and lists the open pull requests.
    gh.policy(policy);
    slothFile();
    const listed = gh.scope.get(`/repos/${OWNER}/Hello-World/pulls`).query({ state: 'open', per_page: 100 }).reply(200, []);
    await app.receive('push', pushToDefaultBranch('Hello-World', 'slo/checkout.yml'));
    await vi.waitFor(() => expect(listed.isDone()).toBe(true), WAIT);
    expect(gh.unexpected).toEqual([]);
  });
});

describe("GitHub's rate limit", () => {
  it('is on /metrics per installation, and a low budget puts the reconciliation off', async () => {
    const app = await orgApp(FAST_BURN);
    const low = { 'x-ratelimit-remaining': '900', 'x-ratelimit-limit': '5000' };
    const gh = gitHub().token().app().policy(POLICY).files([2]).statuses([2], { headers: low }).firstComments([2]);
    await app.receive('pull_request', opened(2));
    const metrics = await app.telemetry.registry.metrics();
    expect(metrics).toMatch(/^slo_gate_github_rate_limit_remaining\{installation="4242"\} 900$/m);
    expect(metrics).toMatch(/^slo_gate_github_rate_limit_limit\{installation="4242"\} 5000$/m);
    // 900 of 5,000 is below 20%: the reconciliation due at 15 min lists nothing, and comes back later.
    await app.groupRuns(INTERVAL);
    await app.groupRuns(INTERVAL);
    await app.groupRuns(INTERVAL);
    await vi.waitFor(() => expect(app.time.waiting().find((w) => w.kind === 'reconcile')?.inMs).toBe(3 * INTERVAL), WAIT);
    expect(gh.unexpected).toEqual([]);
  });
});
