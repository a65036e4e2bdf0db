import { describe, expect, it } from 'vitest';
import { QueryError } from '../../src/errors.js';
import { appHarness } from '../support/app-harness.js';
import { HEALTHY, fakeMetrics } from '../support/fake-metrics.js';
import { gitHub, HEAD_SHA, REPO } from '../support/github-nock.js';
import { POLICY } from '../support/policies.js';
import { createTestProbot, pullRequestPayload } from '../support/probot.js';
import { FakeRangeSource } from '../backtest/fake-range-source.js';

const harness = appHarness();
const NOW = Date.parse('2026-11-22T10:00:00Z');
const HEALTHY_STATUS = { state: 'success', context: 'slo-gate', description: 'OK: 50% of error budget left, highest burn 0.5×' };

/** The pull request's own `.github/slo-gate.yml`, read at its head for the preview (never for the gate). */
function headPolicy(gh: ReturnType<typeof gitHub>, text: string | 404) {
  const path = `${REPO}/contents/.github%2Fslo-gate.yml`;
  if (text === 404) gh.scope.get(path).query({ ref: HEAD_SHA }).reply(404, { message: 'Not Found' });
  else {
    const content = Buffer.from(text).toString('base64');
    gh.scope
      .get(path)
      .query({ ref: HEAD_SHA })
      .reply(200, { type: 'file', encoding: 'base64', size: Buffer.byteLength(text), content });
  }
  return gh;
}

/** The pull request as the API answers it, its head in this repository, or in a fork. */
function pullFrom(gh: ReturnType<typeof gitHub>, headRepo = 'Codertocat/Hello-World') {
  gh.scope.get(`${REPO}/pulls/2`).reply(200, { number: 2, state: 'open', head: { sha: HEAD_SHA, repo: { full_name: headRepo } }, labels: [] });
  return gh;
}

/** A week of 0.08% errors in every window: 0.8× under the current 99.9% objective, 8× under 99.99%. */
const steadyWeek = () => new FakeRangeSource(() => 0.0008);

async function receive(range?: FakeRangeSource, action = 'synchronize') {
  const probot = await createTestProbot(fakeMetrics(HEALTHY), { store: harness.store(), rangeMetrics: range, now: () => NOW });
  await probot.receive({ id: `delivery-${Math.random()}`, name: 'pull_request', payload: pullRequestPayload(action) } as any);
}

const CHANGES_POLICY = ['.github/slo-gate.yml'];

describe('a PR that changes the policy gets a preview of it in the summary comment', () => {
  it('lists every problem of the new policy with its key path and line, and leaves the status as the current policy says', async () => {
    const proposed = POLICY.replace('objective: 99.9', 'objective: 100').concat('commentt: always\n');
    const gh = headPolicy(gitHub().token().files(CHANGES_POLICY).policy(POLICY), proposed).status().comments().createComment();
    await receive(steadyWeek());
    expect(gh.recorded.statuses).toEqual([HEALTHY_STATUS]);
    const comment = gh.recorded.created[0]!; // written although the PR passes: the preview is news
    expect(comment).toContain('#### Policy preview');
    expect(comment).toContain('⛔ **The new policy cannot be used.** Once merged, every pull request would get an **error** until it is fixed:');
    expect(comment).toContain('- `slos[0].objective` (line 4): must be below 100 (percent): a 100% objective leaves no error budget');
    expect(comment).toContain('- `commentt` (line 15): unknown key');
  });

  it('shows what the new policy says now next to the current one, and the difference of their 7-day backtests', async () => {
    const range = steadyWeek();
    const gh = headPolicy(pullFrom(gitHub().token().files(CHANGES_POLICY).policy(POLICY)), POLICY.replace('objective: 99.9', 'objective: 99.99'))
      .status()
      .comments()
      .createComment();
    await receive(range);
    expect(gh.recorded.statuses).toEqual([HEALTHY_STATUS]);
    const comment = gh.recorded.created[0]!;
    expect(comment).toContain('(as of 2026-11-22 10:00 UTC)');
    expect(comment).toContain('| checkout-availability | 🟢 passes, 50% of budget left | ⛔ blocks');
    expect(comment).toContain('| **gate** | **success** | **failure** |');
    expect(comment).toContain('| blocked | 0 min in 0 episodes | 10,080 min in 1 episode | +10,080 min, +1 episode |');
    expect(range.ranges[0]).toEqual({ start: new Date(NOW - 7 * 86_400_000), end: new Date(NOW), stepSeconds: 300 });
    // Both policies read the same SLIs: each query went to the metrics server once.
    expect(range.queries.length).toBe(new Set(range.queries).size);
  });

  it('makes the preview once per head and policy in force: a re-check reads neither the file nor the metrics again', async () => {
    const range = steadyWeek();
    const first = headPolicy(pullFrom(gitHub().token().files(CHANGES_POLICY).policy(POLICY)), POLICY.replace('objective: 99.9', 'objective: 99.99'))
      .status()
      .comments()
      .createComment();
    await receive(range);
    const asked = range.queries.length;
    const second = gitHub().token().policy(POLICY);
    await receive(range, 'labeled');
    expect(range.queries.length).toBe(asked);
    expect([...first.recorded.created, ...second.recorded.updated.map((u) => u.body)]).toHaveLength(1);
  });

  it('says so when the backtest fails (Prometheus down), and still leaves the status alone', async () => {
    const down = new FakeRangeSource((query) => new QueryError('cannot reach http://prometheus:9090', query));
    const gh = headPolicy(pullFrom(gitHub().token().files(CHANGES_POLICY).policy(POLICY)), POLICY.replace('objective: 99.9', 'objective: 99.5'))
      .status()
      .comments()
      .createComment();
    await receive(down);
    expect(gh.recorded.statuses).toEqual([HEALTHY_STATUS]);
    const comment = gh.recorded.created[0]!;
    expect(comment).toContain('| blocked | failed | failed | — |');
    expect(comment).toContain(
      '⚠️ The backtest of the current policy failed: no step had data: checkout-availability: errorRatioQuery cannot reach http://prometheus:9090.',
    );
  });

  it('says that a PR deleting the policy ungates the repository once merged', async () => {
    const gh = headPolicy(gitHub().token().files(CHANGES_POLICY).policy(POLICY), 404).status().comments().createComment();
    await receive(steadyWeek());
    expect(gh.recorded.statuses).toEqual([HEALTHY_STATUS]);
    expect(gh.recorded.created[0]).toContain('This pull request deletes `.github/slo-gate.yml`');
  });

  it('previews a fix of an unusable policy next to the error it replaces', async () => {
    const gh = headPolicy(pullFrom(gitHub().token().files(CHANGES_POLICY).policy('slos: []\n')), POLICY)
      .status()
      .comments()
      .createComment();
    await receive(steadyWeek());
    expect(gh.recorded.statuses[0]!.state).toBe('error');
    const comment = gh.recorded.created[0]!;
    expect(comment).toContain('cannot be used');
    expect(comment).toContain('| **gate** | cannot be used | **success** |');
    expect(comment).toContain('| blocked | cannot be used | 0 min in 0 episodes | — |');
  });

  it("reads the Sloth file a new policy references at the PR's head, and names it when it is missing", async () => {
    const proposed = `slos:\n  - name: checkout\n    sloth: { file: slo/checkout.yml, slo: availability }\n`;
    const gh = headPolicy(gitHub().token().files(CHANGES_POLICY).policy(POLICY), proposed).status().comments().createComment();
    gh.scope.get(`${REPO}/contents/slo%2Fcheckout.yml`).query({ ref: HEAD_SHA }).reply(404, { message: 'Not Found' });
    await receive(steadyWeek());
    expect(gh.recorded.statuses).toEqual([HEALTHY_STATUS]);
    expect(gh.recorded.created[0]).toMatch(/- `slos\[0\]\.sloth\.file` \(line 3\): .*slo\/checkout\.yml.*does not exist at the pull request's head/);
  });

  it("checks a fork's new policy but sends none of its queries to the metrics server", async () => {
    const range = steadyWeek();
    const proposed = POLICY.replace('ratio[{{.window}}]', 'secret_metric[{{.window}}]');
    const gh = headPolicy(pullFrom(gitHub().token().files(CHANGES_POLICY).policy(POLICY), 'mallory/Hello-World'), proposed)
      .status()
      .comments()
      .createComment();
    const metrics = fakeMetrics(HEALTHY);
    const probot = await createTestProbot(metrics, { store: harness.store(), rangeMetrics: range, now: () => NOW });
    await probot.receive({ id: 'delivery-fork', name: 'pull_request', payload: pullRequestPayload('synchronize') } as any);
    expect(gh.recorded.statuses).toEqual([HEALTHY_STATUS]);
    expect(gh.recorded.created[0]).toContain('> The new policy is valid. It is not measured: this pull request comes from a fork');
    expect(gh.recorded.created[0]).not.toContain('**Now**');
    expect(range.queries).toEqual([]);
    expect(metrics.queries.filter((q) => q.includes('secret_metric'))).toEqual([]);
  });

  it('makes no preview for a PR that does not change the policy', async () => {
    const range = steadyWeek();
    const gh = gitHub().token().files(['src/app.ts']).policy(POLICY).status().comments();
    await receive(range);
    expect(gh.recorded.statuses).toEqual([HEALTHY_STATUS]);
    expect(gh.recorded.created).toEqual([]);
    expect(range.queries).toEqual([]);
  });
});
