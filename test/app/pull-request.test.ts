import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueryError } from '../../src/errors.js';
import { COMMENT_MARKER } from '../../src/render/comment.js';
import { FAST_BURN, HEALTHY, fakeMetrics } from '../support/fake-metrics.js';
import { gitHub } from '../support/github-nock.js';
import { POLICY, policyWith } from '../support/policies.js';
import { createTestProbot, pullRequestPayload, settleApps } from '../support/probot.js';

async function receive(action: string, metrics: ReturnType<typeof fakeMetrics>, edit?: (payload: any) => void, baseUrl?: string) {
  const probot = await createTestProbot(metrics, { baseUrl });
  await probot.receive({ id: 'delivery-1', name: 'pull_request', payload: pullRequestPayload(action, edit) } as any);
}

const withLabels =
  (...names: string[]) =>
  (payload: any) => {
    payload.pull_request.labels = names.map((name, id) => ({ id, name }));
  };

beforeEach(() => {
  nock.disableNetConnect();
});

afterEach(async () => {
  await settleApps();
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, 'every expected GitHub request was made').toEqual([]);
});

describe('the pull request gate', () => {
  it('passes a PR while the error budget is healthy, without commenting', async () => {
    const gh = gitHub().token().policy(POLICY).status().comments();
    await receive('opened', fakeMetrics(HEALTHY));
    expect(gh.recorded.statuses).toEqual([{ state: 'success', context: 'slo-gate', description: 'OK: 50% of error budget left, highest burn 0.5×' }]);
    expect(gh.recorded.created).toEqual([]);
  });

  it('blocks a PR while the 1h and 5m burn rates both exceed 14.4, and explains why in one comment', async () => {
    const gh = gitHub().token().policy(POLICY).status().comments().createComment();
    await receive('synchronize', fakeMetrics(FAST_BURN));
    expect(gh.recorded.statuses).toEqual([
      {
        state: 'failure',
        context: 'slo-gate',
        description: 'Blocked: checkout-availability burning 21.3× over 1h and 18.9× over 5m (limit 14.4×); passes ~5 min after errors stop',
      },
    ]);
    const [comment] = gh.recorded.created;
    expect(comment).toContain(COMMENT_MARKER);
    expect(comment).toContain('merging is blocked');
    expect(comment).toContain('| checkout-availability | 99.9% over 30d | ███░░░░░░░ 28% | **21.3× / 18.9×** 🔥 | 4.1× / 18.9× | ⛔ blocked |');
    expect(comment).toContain('can add the label `hotfix` or `security`');
  });

  it('edits its existing comment in place instead of adding a second one', async () => {
    const gh = gitHub()
      .token()
      .policy(POLICY)
      .status()
      .comments([{ id: 7, body: `${COMMENT_MARKER}\nold` }])
      .updateComment(7);
    await receive('synchronize', fakeMetrics(HEALTHY));
    expect(gh.recorded.created).toEqual([]);
    expect(gh.recorded.updated).toHaveLength(1);
    expect(gh.recorded.updated[0]!.body).toContain('the error budget is healthy');
  });

  it('does not edit the comment when nothing in it changed', async () => {
    const first = gitHub().token().policy(POLICY).status().comments().createComment();
    await receive('synchronize', fakeMetrics(FAST_BURN));
    const body = first.recorded.created[0]!;
    const second = gitHub()
      .token()
      .policy(POLICY)
      .status()
      .comments([{ id: 9, body }]);
    await receive('synchronize', fakeMetrics(FAST_BURN));
    expect(second.recorded.updated).toEqual([]);
    expect(second.recorded.statuses[0]!.state).toBe('failure');
  });

  it('ignores a marker pasted into a comment by a person', async () => {
    const gh = gitHub()
      .token()
      .policy(POLICY)
      .status()
      .comments([{ id: 3, body: COMMENT_MARKER, type: 'User' }])
      .createComment();
    await receive('opened', fakeMetrics(FAST_BURN));
    expect(gh.recorded.updated).toEqual([]);
    expect(gh.recorded.created).toHaveLength(1);
  });

  it("never edits or adopts another bot's comment that carries our marker", async () => {
    const gh = gitHub()
      .token()
      .policy(POLICY)
      .status()
      .comments([{ id: 4, body: `${COMMENT_MARKER}\nold`, login: 'renovate[bot]' }])
      .createComment();
    await receive('opened', fakeMetrics(FAST_BURN));
    expect(gh.recorded.updated).toEqual([]);
    expect(gh.recorded.created).toHaveLength(1);
  });

  it('knows its own comment by the bot login GitHub names after the app, not by the name slo-gate', async () => {
    const gh = gitHub()
      .token()
      .app('slo-gate-staging')
      .policy(POLICY)
      .status()
      .comments([
        { id: 5, body: `${COMMENT_MARKER}\nfrom the production app`, login: 'slo-gate[bot]' },
        { id: 6, body: `${COMMENT_MARKER}\nours`, login: 'slo-gate-staging[bot]' },
      ])
      .updateComment(6);
    await receive('synchronize', fakeMetrics(FAST_BURN));
    expect(gh.recorded.updated.map((u) => u.id)).toEqual([6]);
    expect(gh.recorded.created).toEqual([]);
  });

  it('writes no comment at all while GitHub will not say which bot the app is', async () => {
    const gh = gitHub().token().app('slo-gate', 502).policy(POLICY).status();
    await receive('synchronize', fakeMetrics(FAST_BURN)).catch(() => undefined);
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['failure']);
    expect(gh.recorded.created).toEqual([]);
    expect(gh.recorded.updated).toEqual([]);
  });

  it('leaves a repository without a policy alone: no status, no comment', async () => {
    gitHub().token().policy(404).policy(404, '/repos/Codertocat/.github');
    await receive('opened', fakeMetrics(FAST_BURN));
  });

  it('uses the organisation default policy from the .github repository', async () => {
    const gh = gitHub().token().policy(404).policy(POLICY, '/repos/Codertocat/.github').status().comments();
    await receive('opened', fakeMetrics(HEALTHY));
    expect(gh.recorded.statuses[0]!.state).toBe('success');
  });

  it('lets a repository replace, not append to, lists it inherits through _extends', async () => {
    const own = `_extends: .github\nburnRate:\n  rules:\n    - { name: only, long: 2h, short: 10m, factor: 3 }\n`;
    const gh = gitHub().token().policy(own).policy(POLICY, '/repos/Codertocat/.github').status().comments().createComment();
    const metrics = fakeMetrics({ '2h': 0.004, '10m': 0.004, '30d': 0.0005 });
    await receive('opened', metrics);
    expect(gh.recorded.statuses[0]).toMatchObject({
      state: 'failure',
      description: 'Blocked: checkout-availability burning 4× over 2h and 4× over 10m (limit 3×); passes ~10 min after errors stop',
    });
    expect(metrics.queries.sort()).toEqual(['ratio[10m]', 'ratio[2h]', 'ratio[30d]']);
  });

  it('reports an invalid policy as an error, and lists every problem in a comment even with comment: never', async () => {
    const bad = 'comment: never\nmode: strict\nslos:\n  - name: x\n    objective: 100\n    sli: { raw: { errorRatioQuery: "ratio[5m]" } }\n';
    const gh = gitHub().token().policy(bad).status().comments().createComment();
    await receive('opened', fakeMetrics(HEALTHY));
    expect(gh.recorded.statuses).toEqual([
      { state: 'error', context: 'slo-gate', description: 'Invalid policy: mode, line 2: must be one of enforce, warn (+2 more)' },
    ]);
    const comment = gh.recorded.created[0]!;
    expect(comment).toContain('- `mode` (line 2): must be one of enforce, warn');
    expect(comment).toContain('- `slos[0].objective` (line 5): must be below 100');
    expect(comment).toContain('- `slos[0].sli.raw.errorRatioQuery` (line 6): must contain the {{.window}} placeholder');
  });

  it('names the line of a YAML syntax error', async () => {
    const gh = gitHub().token().policy('slos:\n  - name: x\n   objective: [\n').status().comments().createComment();
    await receive('opened', fakeMetrics(HEALTHY));
    expect(gh.recorded.statuses[0]!.state).toBe('error');
    expect(gh.recorded.statuses[0]!.description).toMatch(/^Invalid policy: line \d+: invalid YAML/);
  });

  it('fails closed with an error status when Prometheus cannot be reached', async () => {
    const down = new QueryError('cannot reach http://prometheus:9090 (ECONNREFUSED)', 'q');
    const gh = gitHub().token().policy(POLICY).status().comments().createComment();
    await receive('opened', fakeMetrics({ '1h': down, '5m': down, '6h': down, '30m': down, '30d': down }));
    expect(gh.recorded.statuses[0]).toMatchObject({ state: 'error' });
    expect(gh.recorded.statuses[0]!.description).toMatch(
      /^Missing data: no data for checkout-availability \(1h, 5m, 6h, 30m, 30d\): errorRatioQuery cannot reach http:\/\/prometheus:9090/,
    );
    expect(gh.recorded.created[0]).toContain('metrics are missing, so merging is blocked');
  });

  it('passes on missing data only when the policy says onMissingData: allow', async () => {
    const gh = gitHub().token().policy(policyWith('onMissingData: allow')).status().comments().createComment();
    await receive('opened', fakeMetrics({}));
    expect(gh.recorded.statuses[0]).toMatchObject({ state: 'success' });
    expect(gh.recorded.statuses[0]!.description).toMatch(/^OK, missing data allowed: no data for checkout-availability/);
  });

  it('still sets an error status when evaluation throws unexpectedly', async () => {
    const gh = gitHub().token().policy(POLICY).status().comments().createComment();
    const broken = {
      queries: [],
      queryScalar: async () => {
        throw new TypeError('boom');
      },
    };
    await receive('opened', broken);
    expect(gh.recorded.statuses).toEqual([{ state: 'error', context: 'slo-gate', description: 'slo-gate failed to evaluate: boom' }]);
    expect(gh.recorded.created[0]).toContain('could not evaluate');
  });

  it('in warn mode reports what it would do but never blocks', async () => {
    const gh = gitHub().token().policy(policyWith('mode: warn')).status().comments().createComment();
    await receive('opened', fakeMetrics(FAST_BURN));
    expect(gh.recorded.statuses[0]).toEqual({
      state: 'success',
      context: 'slo-gate',
      description: 'Warn mode, not enforced. Blocked: checkout-availability burning 21.3× over 1h and 18.9× over 5m (limit 14.4×)',
    });
    expect(gh.recorded.created[0]).toContain('would block merging');
  });

  it('writes the status under the context the policy names', async () => {
    const gh = gitHub().token().policy(policyWith('context: slo/checkout')).status().comments();
    await receive('opened', fakeMetrics(HEALTHY));
    expect(gh.recorded.statuses[0]!.context).toBe('slo/checkout');
  });

  it('ignores a title edit but re-evaluates when the base branch changes', async () => {
    await receive('edited', fakeMetrics(HEALTHY), (p) => (p.changes = { title: { from: 'old' } }));
    const gh = gitHub().token().policy(POLICY).status().comments();
    await receive('edited', fakeMetrics(HEALTHY), (p) => (p.changes = { base: { ref: { from: 'develop' }, sha: { from: 'abc' } } }));
    expect(gh.recorded.statuses).toHaveLength(1);
  });

  it("tags every GitHub request it makes for an event with the event's delivery id", async () => {
    const gh = gitHub().token().app().policy(POLICY); // GET /app is the app's own request, asked once per process, not the event's
    gh.scope
      .post(/\/statuses\//)
      .matchHeader('x-github-delivery', 'delivery-1')
      .reply(201, {});
    gh.scope
      .get(/\/issues\/2\/comments/)
      .matchHeader('x-github-delivery', 'delivery-1')
      .reply(200, []);
    await receive('opened', fakeMetrics(HEALTHY));
  });

  it('works unchanged against a GitHub Enterprise Server API', async () => {
    const gh = gitHub('https://ghe.example.com/api/v3').token().policy(POLICY).status().comments();
    await receive('opened', fakeMetrics(HEALTHY), undefined, 'https://ghe.example.com/api/v3');
    expect(gh.recorded.statuses[0]!.state).toBe('success');
  });
});

describe('bypass labels', () => {
  it('lets a PR through when someone with write permission applies hotfix, and records who', async () => {
    const gh = gitHub()
      .token()
      .policy(POLICY)
      .pull({ labels: ['bug', 'hotfix'] })
      .permission('Codertocat', 'write')
      .status()
      .comments()
      .createComment();
    await receive('labeled', fakeMetrics(FAST_BURN), (p) => {
      p.label = { id: 1, name: 'hotfix' };
      withLabels('bug', 'hotfix')(p);
    });
    expect(gh.recorded.statuses[0]!.state).toBe('success');
    expect(gh.recorded.statuses[0]!.description).toMatch(/^Bypassed by label hotfix \(applied by @Codertocat\); would be: Blocked: checkout-availability/);
    const comment = gh.recorded.created[0]!;
    expect(comment).toContain('Bypassed by label `hotfix`, applied by @Codertocat on 2019-05-15 15:20:35 UTC');
    expect(comment).toContain('Without the bypass the gate would have said: **checkout-availability burning 21.3× over 1h');
  });

  it('ignores a bypass label applied by someone with only read permission, and says so', async () => {
    const gh = gitHub()
      .token()
      .policy(POLICY)
      .pull({ labels: ['hotfix'] })
      .permission('Codertocat', 'read')
      .status()
      .comments()
      .createComment();
    await receive('labeled', fakeMetrics(FAST_BURN), (p) => {
      p.label = { id: 1, name: 'hotfix' };
      withLabels('hotfix')(p);
    });
    expect(gh.recorded.statuses[0]!.state).toBe('failure');
    expect(gh.recorded.created[0]).toContain('The label `hotfix` was applied by @Codertocat, who has read permission; a bypass needs write or higher');
  });

  it('finds who applied a bypass label earlier from the timeline when a new commit is pushed', async () => {
    const gh = gitHub()
      .token()
      .policy(POLICY)
      .pull({ labels: ['bug', 'hotfix'] })
      .labelEvents([
        { label: 'hotfix', actor: 'mallory', at: '2026-11-20T09:00:00Z' },
        { label: 'hotfix', actor: 'alice', at: '2026-11-21T10:00:00Z' },
        { label: 'bug', actor: 'bob', at: '2026-11-21T11:00:00Z' },
      ])
      .permission('alice', 'maintain')
      .status()
      .comments()
      .createComment();
    await receive('synchronize', fakeMetrics(FAST_BURN), withLabels('bug', 'hotfix'));
    expect(gh.recorded.statuses[0]!.description).toMatch(/^Bypassed by label hotfix \(applied by @alice\)/);
  });

  it('treats a label applier who is not a collaborator as having no permission', async () => {
    const gh = gitHub()
      .token()
      .policy(POLICY)
      .pull({ labels: ['security'] })
      .labelEvents([{ label: 'security', actor: 'stranger', at: '2026-11-21T10:00:00Z' }])
      .permission('stranger', 404)
      .status()
      .comments()
      .createComment();
    await receive('synchronize', fakeMetrics(FAST_BURN), withLabels('security'));
    expect(gh.recorded.statuses[0]!.state).toBe('failure');
    expect(gh.recorded.created[0]).toContain('@stranger, who has none permission');
  });

  it('asks GitHub nothing about labels that are not bypass labels', async () => {
    const gh = gitHub().token().policy(POLICY).status().comments().createComment();
    await receive('labeled', fakeMetrics(FAST_BURN), (p) => {
      p.label = { id: 1, name: 'bug' };
      withLabels('bug')(p);
    });
    expect(gh.recorded.statuses[0]!.state).toBe('failure');
  });
});
