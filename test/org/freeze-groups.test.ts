import { describe, expect, it } from 'vitest';
import { stateOf } from '../../src/gate/report.js';
import type { GroupMember } from '../../src/org/gate-group.js';
import { planGroup } from '../../src/org/group-plan.js';
import type { RepoIndex } from '../../src/org/pr-index.js';
import { allWindows, policyWith, readingsOf } from '../support/readings.js';

const policy = policyWith({
  freeze: [{ reason: 'Weekend freeze', cron: '0 17 * * 5', duration: '64h', timezone: 'Europe/Berlin', allowLabels: ['release-approved'] }],
});
const HEALTHY = readingsOf({ checkout: allWindows(0.0005) });
const SATURDAY = Date.parse('2026-12-05T12:00:00Z');
const member: GroupMember = { sha: 'a', signature: 'the verdict written last', repoPolicy: 'p', since: 0, checkedAt: SATURDAY };
const indexOf = (labels: string[]): Map<string, RepoIndex> =>
  new Map([['o/r', { installationId: 1, prs: { 1: { sha: 'a', labels, updatedAt: '2026-12-05T10:00:00Z' } } }]]);

function plan(labels: string[], now = SATURDAY) {
  return planGroup({
    policy,
    members: { 'o/r#1': member },
    indexes: indexOf(labels),
    readings: HEALTHY,
    failed: undefined,
    now,
    low: false,
    foreignCheckMs: 6 * 3_600_000,
  });
}

describe('a gate group during a change freeze', () => {
  it('blocks its pull requests on a healthy service while the freeze holds', () => {
    const [write] = plan([]).writes;
    expect(write && [stateOf(write.report), write.report.kind === 'verdict' && write.report.verdict.assessment.reasons[0]?.kind]).toEqual([
      'failure',
      'freeze',
    ]);
  });

  it('passes them once the freeze has ended', () => {
    expect(plan([], Date.parse('2026-12-07T08:00:00Z')).writes.map((w) => [stateOf(w.report), w.reopens])).toEqual([['success', true]]);
  });

  it('lets a pull request carrying a label that lifts the freeze go, to be confirmed with GitHub on its own', () => {
    expect(plan(['release-approved'])).toEqual({ writes: [], leaving: [{ key: 'o/r#1', recheck: { owner: 'o', repo: 'r', number: 1 } }] });
  });
});
