import { describe, expect, it, vi } from 'vitest';
import type { MetricsSource } from '../../src/metrics/source.js';
import { COMMENT_MARKER } from '../../src/render/comment.js';
import { appHarness } from '../support/app-harness.js';
import { HEALTHY, fakeMetrics } from '../support/fake-metrics.js';
import { gitHub } from '../support/github-nock.js';
import { policyWith } from '../support/policies.js';
import { createTestProbot, pullRequestPayload, type TestProbotOptions } from '../support/probot.js';

const harness = appHarness();

/** The weekend freeze, Friday 17:00 for 64 h in Berlin: until Monday 09:00 Berlin time (08:00 UTC in winter). */
const FROZEN = policyWith(`freeze:
  - reason: Weekend freeze
    cron: "0 17 * * 5"
    duration: 64h
    timezone: Europe/Berlin
    allowLabels: [release-approved]`);
const SATURDAY = Date.parse('2026-12-05T12:00:00Z');
const FREEZE_ENDS = Date.parse('2026-12-07T08:00:00Z');

async function app(metrics: MetricsSource, now: number, options: TestProbotOptions = {}) {
  const probot = await createTestProbot(metrics, { store: harness.store(), queryCacheTtlMs: 0, now: () => now, ...options });
  return (payload: unknown) => probot.receive({ id: `delivery-${Math.random()}`, name: 'pull_request', payload } as never);
}

function labeled(label: string, labels: string[]) {
  const payload = pullRequestPayload('labeled') as Record<string, any>;
  payload.label = { id: 1, name: label };
  payload.pull_request.labels = labels.map((name, id) => ({ id, name }));
  return payload;
}

describe('a pull request during a change freeze', () => {
  it('is blocked on a healthy service, with the end of the freeze in the status and the comment', async () => {
    const gh = gitHub().token().policy(FROZEN).status().comments().createComment();
    const receive = await app(fakeMetrics(HEALTHY), SATURDAY);
    await receive(pullRequestPayload('synchronize'));
    expect(gh.recorded.statuses).toEqual([
      { state: 'failure', context: 'slo-gate', description: 'Blocked: change freeze until 2026-12-07 08:00 UTC (09:00 Europe/Berlin): Weekend freeze' },
    ]);
    const [comment] = gh.recorded.created;
    expect(comment).toContain(COMMENT_MARKER);
    expect(comment).toContain('Merging is blocked until 2026-12-07 08:00 UTC (09:00 Europe/Berlin), whatever the error budget says.');
    expect(comment).toContain('can add the label `release-approved` to let this pull request through the freeze');
  });

  it('passes once an admin applies an allowed label, and says who lifted the freeze', async () => {
    const gh = gitHub()
      .token()
      .policy(FROZEN)
      .pull({ labels: ['release-approved'] })
      .permission('Codertocat', 'admin')
      .status()
      .comments();
    const receive = await app(fakeMetrics(HEALTHY), SATURDAY);
    await receive(labeled('release-approved', ['release-approved']));
    expect(gh.recorded.statuses).toEqual([
      {
        state: 'success',
        context: 'slo-gate',
        description: 'OK: change freeze "Weekend freeze" lifted by label release-approved (applied by @Codertocat)',
      },
    ]);
  });

  it('stays blocked when the allowed label comes from someone with only triage permission', async () => {
    const gh = gitHub()
      .token()
      .policy(FROZEN)
      .pull({ labels: ['release-approved'] })
      .permission('Codertocat', 'triage')
      .status()
      .comments()
      .createComment();
    const receive = await app(fakeMetrics(HEALTHY), SATURDAY);
    await receive(labeled('release-approved', ['release-approved']));
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['failure']);
    expect(gh.recorded.created[0]).toContain('applied by @Codertocat, who has triage permission; lifting the freeze needs write or higher');
  });

  it('looks again when the freeze ends, when that is sooner than the re-check interval', async () => {
    const gh = gitHub().token().policy(FROZEN).status().comments().createComment();
    const schedule = vi.spyOn(harness.store().jobs, 'schedule');
    const receive = await app(fakeMetrics(HEALTHY), FREEZE_ENDS - 120_000, { recheckIntervalMs: 3_600_000 });
    await receive(pullRequestPayload('synchronize'));
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['failure']);
    const [job, delay] = schedule.mock.calls.at(-1)!;
    expect(job.id).toBe('recheck:Codertocat/Hello-World#2');
    expect(delay).toBe(120_000);
  });

  it('passes after the freeze ends', async () => {
    const gh = gitHub().token().policy(FROZEN).status().comments();
    const receive = await app(fakeMetrics(HEALTHY), FREEZE_ENDS);
    await receive(pullRequestPayload('synchronize'));
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['success']);
  });
});
