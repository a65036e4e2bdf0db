import { describe, expect, it } from 'vitest';
import { decide } from '../../src/gate/decide.js';
import type { Report } from '../../src/gate/report.js';
import type { GroupMember } from '../../src/org/gate-group.js';
import { planGroup, type PlanInput } from '../../src/org/group-plan.js';
import type { RepoIndex } from '../../src/org/pr-index.js';
import { verdictSignature } from '../../src/org/verdict-signature.js';
import { allWindows, policyWith, readingsOf } from '../support/readings.js';

const policy = policyWith({ bypass: { labels: ['hotfix'] } });
const BURNING = readingsOf({ checkout: { ...allWindows(0.0005), '1h': 0.02, '5m': 0.02 } });
const HEALTHY = readingsOf({ checkout: allWindows(0.0005) });
const blocked: Report = { kind: 'verdict', verdict: decide(policy, BURNING) };
const HOUR = 3_600_000;
const NOW = 10 * HOUR;

const member = (fields: Partial<GroupMember> = {}): GroupMember => ({
  sha: 'a',
  signature: verdictSignature(blocked),
  repoPolicy: 'p',
  since: 0,
  checkedAt: NOW,
  ...fields,
});
const indexOf = (prs: RepoIndex['prs']): RepoIndex => ({ installationId: 1, prs });
const pr = (fields: Partial<{ sha: string; labels: string[] }> = {}) => ({ sha: 'a', labels: [], updatedAt: '2026-11-22T10:00:00Z', ...fields });

function plan(fields: Partial<PlanInput>) {
  return planGroup({
    policy,
    members: { 'o/r#1': member() },
    indexes: new Map([['o/r', indexOf({ 1: pr() })]]),
    readings: BURNING,
    failed: undefined,
    now: NOW,
    low: false,
    foreignCheckMs: 6 * HOUR,
    ...fields,
  });
}
const summary = (p: ReturnType<typeof planGroup>) => ({
  writes: p.writes.map((w) => `${w.key}${w.reopens ? ' reopens' : ''}${w.foreignCheck ? ' compares' : ''}`),
  leaving: p.leaving.map((l) => `${l.key}${l.recheck ? ' rechecked' : ''}`),
});

describe('one run of a gate group', () => {
  it.each<[string, Partial<PlanInput>, { writes: string[]; leaving: string[] }]>([
    ['writes nothing for a pull request still blocked for the same reason on the same head', {}, { writes: [], leaving: [] }],
    ['writes a pull request whose head moved', { indexes: new Map([['o/r', indexOf({ 1: pr({ sha: 'b' }) })]]) }, { writes: ['o/r#1'], leaving: [] }],
    ['writes a reopening pull request, status first', { readings: HEALTHY }, { writes: ['o/r#1 reopens'], leaving: [] }],
    [
      'writes an error where the measurement failed',
      { readings: undefined, failed: { kind: 'failed', message: 'timeout' } },
      { writes: ['o/r#1'], leaving: [] },
    ],
    [
      'compares with what GitHub shows once its check is due',
      { members: { 'o/r#1': member({ checkedAt: NOW - 6 * HOUR }) } },
      { writes: ['o/r#1 compares'], leaving: [] },
    ],
    ['puts the check off while the installation is low on budget', { members: { 'o/r#1': member({ checkedAt: 0 }) }, low: true }, { writes: [], leaving: [] }],
    [
      'lets a pull request with a bypass label go to be confirmed on its own',
      { indexes: new Map([['o/r', indexOf({ 1: pr({ labels: ['hotfix'] }) })]]) },
      { writes: [], leaving: ['o/r#1 rechecked'] },
    ],
    ['drops a pull request the index no longer holds (closed)', { indexes: new Map([['o/r', indexOf({})]]) }, { writes: [], leaving: ['o/r#1'] }],
    ['asks GitHub about a pull request whose repository has no index', { indexes: new Map() }, { writes: [], leaving: ['o/r#1 rechecked'] }],
    [
      'writes the longest blocked first',
      {
        members: { 'o/r#2': member({ since: 5, sha: 'x' }), 'o/r#1': member({ since: 9, sha: 'x' }) },
        indexes: new Map([['o/r', indexOf({ 1: pr(), 2: pr() })]]),
      },
      { writes: ['o/r#2', 'o/r#1'], leaving: [] },
    ],
  ])('%s', (_story, input, expected) => {
    expect(summary(plan(input))).toEqual(expected);
  });
});
