import { describe, expect, it } from 'vitest';
import { changeFreeze, freezeAllowLabels } from '../../src/gate/change-freeze.js';
import { decide } from '../../src/gate/decide.js';
import { activeFreeze } from '../../src/gate/freeze.js';
import type { BypassCandidate, PermissionLevel } from '../../src/gate/types.js';
import type { FreezeWindow } from '../../src/policy/freeze.js';
import { policyWith, QUIET, readingsOf } from '../support/readings.js';

const WEEKEND: FreezeWindow = { reason: 'weekend', cron: '0 17 * * 5', duration: '64h', timezone: 'Europe/Berlin', allowLabels: ['release-approved'] };

/** Only the engine, no validation: lets a test build windows that validation would refuse (overlapping ones). */
function freezeOf(...windows: Array<Partial<FreezeWindow> & { reason?: string }>): { freeze: FreezeWindow[] } {
  return { freeze: windows.map((w) => ({ reason: 'frozen', allowLabels: [], ...w })) };
}

const at = (iso: string) => new Date(iso);

describe('activeFreeze: which window holds at a moment, and until when', () => {
  it.each<{ name: string; window: Partial<FreezeWindow>; at: string; start?: string; endsAt?: string }>([
    { name: 'holds nothing a second before a Friday 17:00 Berlin freeze', window: WEEKEND, at: '2026-12-04T15:59:59Z' },
    {
      name: 'holds from 17:00 Berlin (16:00 UTC in winter)',
      window: WEEKEND,
      at: '2026-12-04T16:00:00Z',
      start: '2026-12-04T16:00:00Z',
      endsAt: '2026-12-07T08:00:00Z',
    },
    {
      name: 'holds through the weekend, until a minute before Monday 09:00',
      window: WEEKEND,
      at: '2026-12-07T07:59:00Z',
      start: '2026-12-04T16:00:00Z',
      endsAt: '2026-12-07T08:00:00Z',
    },
    { name: 'ends exactly 64 h after it started', window: WEEKEND, at: '2026-12-07T08:00:00Z' },
    {
      name: 'counts 64 h of real time over the autumn DST change: it ends at 08:00 Berlin time, not 09:00',
      window: WEEKEND,
      at: '2026-10-25T12:00:00Z',
      start: '2026-10-23T15:00:00Z',
      endsAt: '2026-10-26T07:00:00Z',
    },
    {
      name: 'counts 64 h of real time over the spring DST change: it ends at 10:00 Berlin time',
      window: WEEKEND,
      at: '2026-03-29T12:00:00Z',
      start: '2026-03-27T16:00:00Z',
      endsAt: '2026-03-30T08:00:00Z',
    },
    {
      name: 'starts a 02:30 Berlin freeze at 03:00 on the spring-forward day, when 02:30 does not exist',
      window: { cron: '30 2 * * *', duration: '1h', timezone: 'Europe/Berlin' },
      at: '2026-03-29T01:30:00Z',
      start: '2026-03-29T01:00:00Z',
      endsAt: '2026-03-29T02:00:00Z',
    },
    {
      name: 'holds nothing at 01:59 Berlin on the spring-forward day, before the shifted start',
      window: { cron: '30 2 * * *', duration: '1h', timezone: 'Europe/Berlin' },
      at: '2026-03-29T00:59:00Z',
    },
    {
      name: 'starts a 02:30 New York freeze at 03:00 EDT on the spring-forward day',
      window: { cron: '30 2 * * *', duration: '1h', timezone: 'America/New_York' },
      at: '2026-03-08T07:30:00Z',
      start: '2026-03-08T07:00:00Z',
      endsAt: '2026-03-08T08:00:00Z',
    },
    {
      name: 'starts a 01:30 New York freeze once on the fall-back day, at the first 01:30 (EDT), and holds through the repeated hour',
      window: { cron: '30 1 * * *', duration: '1h', timezone: 'America/New_York' },
      at: '2026-11-01T06:15:00Z',
      start: '2026-11-01T05:30:00Z',
      endsAt: '2026-11-01T06:30:00Z',
    },
    {
      name: 'does not start again at the second 01:30 (EST) on the fall-back day',
      window: { cron: '30 1 * * *', duration: '1h', timezone: 'America/New_York' },
      at: '2026-11-01T06:45:00Z',
    },
    {
      name: 'holds an absolute window from its `from`',
      window: { from: '2026-12-18T17:00:00+01:00', to: '2027-01-04T09:00:00+01:00' },
      at: '2026-12-18T16:00:00Z',
      start: '2026-12-18T16:00:00Z',
      endsAt: '2027-01-04T08:00:00Z',
    },
    { name: 'ends an absolute window at its `to`', window: { from: '2026-12-18T17:00:00+01:00', to: '2027-01-04T09:00:00+01:00' }, at: '2027-01-04T08:00:00Z' },
  ])('$name', ({ window, at: moment, start, endsAt }) => {
    const active = activeFreeze(freezeOf(window), at(moment));
    expect(active && { start: active.window.start.toISOString(), endsAt: active.endsAt.toISOString() }).toEqual(
      start === undefined ? undefined : { start: at(start).toISOString(), endsAt: at(endsAt!).toISOString() },
    );
  });

  it('takes the occurrence that ends last when two occurrences of one window overlap', () => {
    const active = activeFreeze(freezeOf({ cron: '0 0,1 * * *', duration: '90m', timezone: 'UTC' }), at('2026-12-01T01:15:00Z'))!;
    expect(active.inForce.map((w) => w.start.toISOString())).toEqual(['2026-12-01T01:00:00.000Z', '2026-12-01T00:00:00.000Z']);
    expect(active.endsAt.toISOString()).toBe('2026-12-01T02:30:00.000Z');
  });

  it('ends a freeze when the last of the windows that run into each other ends, in that window’s zone', () => {
    const policy = freezeOf({ from: '2026-12-24T11:00:00+01:00', to: '2026-12-24T13:00:00+01:00' }, { cron: '0 11 * * *', duration: '3h', timezone: 'UTC' });
    const active = activeFreeze(policy, at('2026-12-24T10:30:00Z'))!;
    expect(active.window.index).toBe(0);
    expect(active.window.zone).toBe('+01:00');
    expect([active.endsAt.toISOString(), active.endsIn]).toEqual(['2026-12-24T14:00:00.000Z', 'UTC']);
  });

  it('leaves out a window the change is exempt from', () => {
    expect(activeFreeze(freezeOf(WEEKEND), at('2026-12-05T12:00:00Z'), (index) => index === 0)).toBeUndefined();
  });

  it('gives the same answers stepping through a week as asked one moment at a time', () => {
    const policy = freezeOf(WEEKEND);
    const start = Date.parse('2026-12-01T00:00:00Z');
    const moments = Array.from({ length: 7 * 24 * 4 }, (_, i) => new Date(start + i * 15 * 60_000));
    const stepped = moments.map((m) => activeFreeze(policy, m)?.endsAt.toISOString());
    const fresh = moments.map((m) => activeFreeze(freezeOf(WEEKEND), m)?.endsAt.toISOString());
    expect(stepped).toEqual(fresh);
    expect(stepped.filter(Boolean)).toHaveLength(64 * 4);
  });

  it('gives the same answers asked in any order, across windows that run into each other', () => {
    const windows = [WEEKEND, { reason: 'Monday release', cron: '0 8 * * 1', duration: '3h', timezone: 'UTC', allowLabels: [] }];
    const policy = freezeOf(...windows);
    const start = Date.parse('2026-11-01T00:00:00Z');
    // A fixed scramble of moments over two months, jumping back and forth.
    const moments = Array.from({ length: 150 }, (_, i) => new Date(start + ((i * 7919) % 150) * 9.6 * 3_600_000 + (i % 7) * 60_000));
    const answer = (p: { freeze: FreezeWindow[] }, m: Date) => {
      const active = activeFreeze(p, m);
      return active && [active.window.index, active.window.start.toISOString(), active.endsAt.toISOString()];
    };
    expect(moments.map((m) => answer(policy, m))).toEqual(moments.map((m) => answer(freezeOf(...windows), m)));
  });
});

function candidate(label: string, actor: string | undefined, permission: PermissionLevel): BypassCandidate {
  return { label, actor, permission, appliedAt: '2026-12-05T10:00:00Z' };
}

const FRIDAY_NIGHT = at('2026-12-04T20:00:00Z');

describe('changeFreeze: what a freeze means for one change', () => {
  const policy = { ...freezeOf(WEEKEND), bypass: { labels: ['hotfix'], minPermission: 'write' as const } };

  it('holds a change without an allowed label, and says how long for', () => {
    const freeze = changeFreeze(policy, FRIDAY_NIGHT, [])!;
    expect(freeze.blocks).toBe(true);
    expect(freeze.endsInMs).toBe(60 * 3_600_000);
    expect(freeze.reason).toEqual({
      kind: 'freeze',
      window: 0,
      reason: 'weekend',
      endsAt: '2026-12-07T08:00:00.000Z',
      zone: 'Europe/Berlin',
      allowLabels: ['release-approved'],
      refused: [],
    });
  });

  it('lets a change through when an admin applied an allowed label', () => {
    const freeze = changeFreeze(policy, FRIDAY_NIGHT, [candidate('release-approved', 'alice', 'admin')])!;
    expect(freeze.blocks).toBe(false);
    expect(freeze.reason.allowedBy).toEqual({ label: 'release-approved', actor: 'alice' });
  });

  it('ignores an allowed label applied by someone below bypass.minPermission, and names them', () => {
    const refused = candidate('release-approved', 'bob', 'triage');
    const freeze = changeFreeze(policy, FRIDAY_NIGHT, [refused])!;
    expect(freeze.blocks).toBe(true);
    expect(freeze.reason.refused).toEqual([refused]);
  });

  it('does not let a bypass label lift the freeze window itself (decide lets the bypass win)', () => {
    expect(changeFreeze(policy, FRIDAY_NIGHT, [candidate('hotfix', 'alice', 'admin')])!.blocks).toBe(true);
  });

  it('holds a change lifted from one window by another window in force that it has no label for', () => {
    const both = { ...freezeOf(WEEKEND, { reason: 'holidays', from: '2026-12-01T00:00:00Z', to: '2026-12-31T00:00:00Z' }), bypass: policy.bypass };
    const freeze = changeFreeze(both, FRIDAY_NIGHT, [candidate('release-approved', 'alice', 'admin')])!;
    expect(freeze.blocks).toBe(true);
    expect([freeze.reason.reason, freeze.reason.endsAt]).toEqual(['holidays', '2026-12-31T00:00:00.000Z']);
  });

  it('says nothing outside every window', () => {
    expect(changeFreeze(policy, at('2026-12-02T12:00:00Z'), [])).toBeUndefined();
  });
});

describe('decide with a change freeze', () => {
  const frozen = policyWith({
    freeze: [{ reason: 'weekend', cron: '0 17 * * 5', duration: '64h', timezone: 'Europe/Berlin', allowLabels: ['release-approved'] }],
    bypass: { labels: ['hotfix'], minPermission: 'write' },
  });
  const healthy = readingsOf({ checkout: QUIET });
  const burning = readingsOf({ checkout: { ...QUIET, '1h': 0.02, '5m': 0.02 } });

  it('blocks a healthy service during the freeze, the freeze first, and expects it to pass when the freeze ends', () => {
    const verdict = decide(frozen, healthy, [], [], FRIDAY_NIGHT);
    expect([verdict.state, verdict.wouldBe, verdict.assessment.reasons[0]?.kind]).toEqual(['failure', 'block', 'freeze']);
    expect([verdict.expectedPassInMs, verdict.expectedPassBasis]).toEqual([60 * 3_600_000, 'freeze ends']);
  });

  it('passes the same service outside the freeze', () => {
    expect(decide(frozen, healthy, [], [], at('2026-12-02T12:00:00Z')).state).toBe('success');
  });

  it('looks at no freeze window without a moment', () => {
    expect(decide(frozen, healthy).state).toBe('success');
  });

  it('waits for the later of the freeze end and the burn clearing', () => {
    const endingSoon = at('2026-12-07T07:59:00Z');
    const verdict = decide(frozen, burning, [], [], endingSoon);
    expect([verdict.expectedPassInMs, verdict.expectedPassBasis]).toEqual([5 * 60_000, 'errors stop']);
    expect(decide(frozen, burning, [], [], FRIDAY_NIGHT).expectedPassBasis).toBe('freeze ends');
  });

  it('blocks on missing data during a freeze with a failure, not an error, and no estimate', () => {
    const verdict = decide(frozen, readingsOf({ checkout: { ...QUIET, '30d': 'no series' } }), [], [], FRIDAY_NIGHT);
    expect([verdict.state, verdict.expectedPassInMs]).toEqual(['failure', undefined]);
  });

  it('passes a frozen change with an allowed label applied by an admin, keeping the freeze in the reasons', () => {
    const verdict = decide(frozen, healthy, [candidate('release-approved', 'alice', 'admin')], ['release-approved'], FRIDAY_NIGHT);
    expect(verdict.state).toBe('success');
    expect(verdict.assessment.reasons[0]).toMatchObject({ kind: 'freeze', allowedBy: { label: 'release-approved', actor: 'alice' } });
  });

  it('still blocks a burning service for a change let through the freeze', () => {
    const verdict = decide(frozen, burning, [candidate('release-approved', 'alice', 'admin')], ['release-approved'], FRIDAY_NIGHT);
    expect([verdict.state, verdict.expectedPassBasis]).toEqual(['failure', 'errors stop']);
  });

  it('lets a bypass label through the freeze too', () => {
    const verdict = decide(frozen, healthy, [candidate('hotfix', 'alice', 'write')], ['hotfix'], FRIDAY_NIGHT);
    expect([verdict.state, verdict.bypass?.label, verdict.wouldBe]).toEqual(['success', 'hotfix', 'block']);
  });

  it('passes in warn mode and says it would block', () => {
    const verdict = decide({ ...frozen, mode: 'warn' }, healthy, [], [], FRIDAY_NIGHT);
    expect([verdict.state, verdict.wouldBe]).toEqual(['success', 'block']);
  });
});

describe('a policy cached before freeze windows existed', () => {
  it('has no freeze and no freeze labels, rather than failing every evaluation', () => {
    const cached = { ...policyWith(), freeze: undefined } as unknown as ReturnType<typeof policyWith>;
    expect(decide(cached, readingsOf({ checkout: QUIET }), [], [], FRIDAY_NIGHT).state).toBe('success');
    expect(freezeAllowLabels(cached)).toEqual([]);
  });
});
