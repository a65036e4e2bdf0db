import { describe, expect, it } from 'vitest';
import { QueryError } from '../../src/errors.js';
import type { MetricsSource } from '../../src/metrics/source.js';
import { appHarness } from '../support/app-harness.js';
import { FAST_BURN, HEALTHY } from '../support/fake-metrics.js';
import { gitHub } from '../support/github-nock.js';
import { createTestProbot, pullRequestPayload } from '../support/probot.js';

const harness = appHarness();

/** A monorepo's policy: one SLO per service, each limited to its directory, and one for the shared platform. */
const MONOREPO = (extra = '') => `
slos:
  - name: checkout
    objective: 99.9
    paths: ['services/checkout/**']
    sli: { raw: { errorRatioQuery: 'checkout[{{.window}}]' } }
  - name: search
    objective: 99.9
    paths: ['services/search/**', 'libs/search-*/**']
    sli: { raw: { errorRatioQuery: 'search[{{.window}}]' } }
burnRate:
  rules:
    - { name: fast, long: 1h, short: 5m, factor: 14.4 }
    - { name: slow, long: 6h, short: 30m, factor: 6 }
${extra}`;

/** Answers `<slo>[<window>]` from a table per SLO, and records what was asked. */
function serviceMetrics(bySlo: Record<string, Record<string, number>>): MetricsSource & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    async queryScalar(query) {
      queries.push(query);
      const [, slo, window] = /^(\w+)\[(\w+)\]$/.exec(query) ?? [];
      const value = bySlo[slo ?? '']?.[window ?? ''];
      if (value === undefined) throw new QueryError('returned no series', query);
      return value;
    },
  };
}

async function receive(metrics: MetricsSource, action = 'synchronize') {
  const probot = await createTestProbot(metrics, { store: harness.store() });
  await probot.receive({ id: `delivery-${Math.random()}`, name: 'pull_request', payload: pullRequestPayload(action) } as any);
}

const SEARCH_BURNING = { checkout: HEALTHY, search: FAST_BURN };

describe('a monorepo PR is gated only by the SLOs whose paths it touches', () => {
  it('passes a PR touching checkout while search burns, measuring only checkout, and names the file that made it apply', async () => {
    const metrics = serviceMetrics(SEARCH_BURNING);
    const gh = gitHub()
      .token()
      .files(['services/checkout/api/handler.go', 'README.md'])
      .policy(MONOREPO('comment: always'))
      .status()
      .comments()
      .createComment();
    await receive(metrics);
    expect(gh.recorded.statuses).toEqual([{ state: 'success', context: 'slo-gate', description: 'OK: 50% of error budget left, highest burn 0.5×' }]);
    expect(metrics.queries.length).toBeGreaterThan(0);
    expect(metrics.queries.filter((q) => !q.startsWith('checkout['))).toEqual([]);
    const comment = gh.recorded.created[0]!;
    expect(comment).toContain('**Which SLOs gate this pull request** (`slos[].paths`)');
    expect(comment).toContain('- **checkout** applies: `services/checkout/api/handler.go` matches `services/checkout/**`.');
    expect(comment).toContain('- **search** does not apply: none of the 2 changed files matches its paths.');
    expect(comment).not.toContain('| search |');
  });

  it('blocks a PR touching a library of search while search burns', async () => {
    const gh = gitHub().token().files(['libs/search-core/index.ts']).policy(MONOREPO()).status().comments().createComment();
    await receive(serviceMetrics(SEARCH_BURNING));
    expect(gh.recorded.statuses[0]!.state).toBe('failure');
    expect(gh.recorded.statuses[0]!.description).toMatch(/^Blocked: search burning/);
    expect(gh.recorded.created[0]).toContain('- **search** applies: `libs/search-core/index.ts` matches `libs/search-*/**`.');
  });

  it('answers a PR touching no gated path with success "Not affected: no gated paths changed", without asking Prometheus', async () => {
    const metrics = serviceMetrics(SEARCH_BURNING);
    const gh = gitHub().token().files(['docs/runbook.md']).policy(MONOREPO()).status().comments();
    await receive(metrics);
    expect(gh.recorded.statuses).toEqual([{ state: 'success', context: 'slo-gate', description: 'Not affected: no gated paths changed' }]);
    expect(metrics.queries).toEqual([]);
    expect(gh.recorded.created).toEqual([]);
  });

  it('still blocks a PR touching no gated path during a change freeze, which holds for every change', async () => {
    const freeze = `freeze:\n  - reason: Year-end freeze\n    from: 2020-12-18T17:00:00+01:00\n    to: 2099-01-04T09:00:00+01:00\n`;
    const gh = gitHub().token().files(['docs/runbook.md']).policy(MONOREPO(freeze)).status().comments().createComment();
    await receive(serviceMetrics(SEARCH_BURNING));
    expect(gh.recorded.statuses[0]!.state).toBe('failure');
    expect(gh.recorded.statuses[0]!.description).not.toContain('Not affected');
    expect(gh.recorded.created[0]).not.toContain('not affected');
    expect(gh.recorded.created[0]).toContain('- **checkout** does not apply: none of the 1 changed files matches its paths.');
  });

  it('turns a blocked PR\'s comment into "not affected" once a push moves its change out of the gated paths', async () => {
    const gh = gitHub()
      .token()
      .files(['README.md'])
      .policy(MONOREPO())
      .status()
      .comments([{ id: 8, body: '<!-- slo-gate:summary -->\nblocked before' }])
      .updateComment(8);
    await receive(serviceMetrics(SEARCH_BURNING));
    const body = gh.recorded.updated[0]!.body;
    expect(body).toContain('### 🟢 slo-gate: not affected, no gated paths changed');
    expect(body).toContain('- **checkout** does not apply: none of the 1 changed files matches its paths.');
  });

  it("gates on every SLO past GitHub's 3,000-file listing, and says why", async () => {
    const files = Array.from({ length: 3000 }, (_, i) => `docs/page-${i}.md`);
    const gh = gitHub().token().files(files).policy(MONOREPO()).status().comments().createComment();
    await receive(serviceMetrics(SEARCH_BURNING));
    expect(gh.recorded.statuses[0]!.state).toBe('failure');
    const comment = gh.recorded.created[0]!;
    expect(comment).toContain(
      '> Every SLO gates this pull request: GitHub lists at most 3,000 changed files, and this pull request has that many or more, so slo-gate cannot tell which services it touches.',
    );
    expect(comment).toContain('- **search** applies: the changed files are not known (fail closed).');
  });

  it('gates on every SLO when GitHub fails to list the files (HTTP 500), and says so', async () => {
    const gh = gitHub().token().files(500).policy(MONOREPO()).status().comments().createComment();
    await receive(serviceMetrics(SEARCH_BURNING));
    expect(gh.recorded.statuses[0]!.state).toBe('failure');
    expect(gh.recorded.created[0]).toMatch(
      /> Every SLO gates this pull request: its changed files could not be read \(GitHub: listing the files of #2 failed \(HTTP 500\)/,
    );
  });

  it("reads a head's files once: a re-check of the same head reuses them", async () => {
    const first = gitHub().token().files(['services/search/a.go']).policy(MONOREPO()).status().comments().createComment();
    await receive(serviceMetrics(SEARCH_BURNING));
    expect(first.recorded.statuses[0]!.state).toBe('failure');
    // No files() this time: were they read again, GitHub would answer none, and the PR would be "not affected".
    const second = gitHub().token().policy(MONOREPO());
    await receive(serviceMetrics(SEARCH_BURNING), 'labeled');
    expect(second.recorded.statuses).toEqual([]); // still blocked: the same status and comment, so nothing written
    expect(await harness.store().get('status:Codertocat/Hello-World@ec26c3e57ca3a959ca5aad62de7213c562f8c821:slo-gate')).toContain('"state":"failure"');
  });

  it('gates every change on an SLO without paths, and says it applies to every change', async () => {
    const policy = MONOREPO().replace("    paths: ['services/checkout/**']\n", '');
    const gh = gitHub().token().files(['docs/x.md']).policy(policy).status().comments().createComment();
    await receive(serviceMetrics({ checkout: FAST_BURN, search: HEALTHY }));
    expect(gh.recorded.statuses[0]!.state).toBe('failure');
    expect(gh.recorded.created[0]).toContain('- **checkout** applies: no paths, so it applies to every change.');
  });
});
