import { describe, expect, it } from 'vitest';
import { decide } from '../../src/gate/decide.js';
import type { BypassCandidate, PermissionLevel, SloState } from '../../src/gate/types.js';
import { policyWith, QUIET, readingsOf } from '../support/readings.js';

const BLOCKING = readingsOf({ checkout: { ...QUIET, '1h': 0.02, '5m': 0.02 } });
const LEVELS: PermissionLevel[] = ['none', 'read', 'triage', 'write', 'maintain', 'admin'];

function label(name: string, actor: string | undefined, permission: PermissionLevel): BypassCandidate {
  return { label: name, actor, permission, appliedAt: '2025-11-20T10:00:00Z' };
}

function bypassPolicy(minPermission: string = 'write', labels: string[] = ['hotfix', 'security']) {
  return policyWith({ bypass: { labels, minPermission } });
}

describe('bypass labels', () => {
  const matrix = (['triage', 'write', 'maintain', 'admin'] as const).flatMap((min) =>
    LEVELS.map((permission) => {
      const allowed = LEVELS.indexOf(permission) >= LEVELS.indexOf(min);
      return {
        name: `${allowed ? 'lets' : 'does not let'} someone with ${permission} permission bypass a block when minPermission is ${min}`,
        min,
        permission,
        allowed,
      };
    }),
  );

  it.each(matrix)('$name', ({ min, permission, allowed }) => {
    const candidate = label('hotfix', 'octocat', permission);
    const verdict = decide(bypassPolicy(min), BLOCKING, [candidate]);
    expect(verdict.state).toBe(allowed ? 'success' : 'failure');
    expect(verdict.wouldBe).toBe('block');
    expect(verdict.bypass).toEqual(allowed ? { label: 'hotfix', actor: 'octocat', appliedAt: '2025-11-20T10:00:00Z' } : undefined);
    expect(verdict.ignoredBypass).toEqual(allowed ? [] : [candidate]);
  });

  it.each<{ name: string; readings: ReturnType<typeof readingsOf>; wouldBe: SloState }>([
    { name: 'succeeds with a bypass while a rule fires', readings: BLOCKING, wouldBe: 'block' },
    {
      name: 'succeeds with a bypass on missing data that would otherwise error',
      readings: readingsOf({ checkout: { ...QUIET, '30d': 'totalQuery returned no series' } }),
      wouldBe: 'missing',
    },
    { name: 'succeeds with a bypass when nothing was measured at all', readings: new Map(), wouldBe: 'missing' },
    { name: 'records the bypass even when the SLOs pass', readings: readingsOf({ checkout: QUIET }), wouldBe: 'pass' },
  ])('$name', ({ readings, wouldBe }) => {
    const verdict = decide(bypassPolicy(), readings, [label('security', 'maintainer', 'write')]);
    expect(verdict.state).toBe('success');
    expect(verdict.wouldBe).toBe(wouldBe);
    expect(verdict.bypass).toEqual({ label: 'security', actor: 'maintainer', appliedAt: '2025-11-20T10:00:00Z' });
  });

  it.each<{ name: string; candidates: BypassCandidate[]; labels?: string[]; state: string; bypass?: string; ignored: string[] }>([
    {
      name: 'ignores a hotfix label whose actor cannot be told, even with admin permission',
      candidates: [label('hotfix', undefined, 'admin')],
      state: 'failure',
      ignored: ['hotfix by ?'],
    },
    { name: 'ignores labels that are not bypass labels entirely', candidates: [label('skip-ci', 'admin', 'admin')], state: 'failure', ignored: [] },
    {
      name: 'ignores every label when the policy lists no bypass labels',
      candidates: [label('hotfix', 'admin', 'admin')],
      labels: [],
      state: 'failure',
      ignored: [],
    },
    {
      name: 'uses the first label in the order of bypass.labels when two are permitted',
      candidates: [label('security', 'alice', 'admin'), label('hotfix', 'bob', 'write')],
      state: 'success',
      bypass: 'hotfix by bob',
      ignored: [],
    },
    {
      name: 'uses the permitted label and lists the other as ignored when two are present',
      candidates: [label('hotfix', 'carol', 'read'), label('security', 'dave', 'maintain')],
      state: 'success',
      bypass: 'security by dave',
      ignored: ['hotfix by carol'],
    },
    {
      name: 'lists both labels as ignored when neither actor has the permission',
      candidates: [label('security', 'erin', 'triage'), label('hotfix', 'frank', 'read')],
      state: 'failure',
      ignored: ['hotfix by frank', 'security by erin'],
    },
    { name: 'matches label names exactly, so HotFix is not hotfix', candidates: [label('HotFix', 'grace', 'admin')], state: 'failure', ignored: [] },
  ])('$name', ({ candidates, labels, state, bypass, ignored }) => {
    const verdict = decide(bypassPolicy('write', labels), BLOCKING, candidates);
    expect(verdict.state).toBe(state);
    expect(verdict.bypass && `${verdict.bypass.label} by ${verdict.bypass.actor}`).toBe(bypass);
    expect(verdict.ignoredBypass.map((c) => `${c.label} by ${c.actor ?? '?'}`)).toEqual(ignored);
  });

  it('still shows the real verdict and the ignored label in warn mode', () => {
    const policy = policyWith({ mode: 'warn', bypass: { labels: ['hotfix'] } });
    const verdict = decide(policy, BLOCKING, [label('hotfix', 'reader', 'read')]);
    expect(verdict).toMatchObject({ state: 'success', wouldBe: 'block', bypass: undefined, minPermission: 'write' });
    expect(verdict.ignoredBypass).toHaveLength(1);
  });
});
