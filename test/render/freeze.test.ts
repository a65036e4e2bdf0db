import { describe, expect, it } from 'vitest';
import { decide } from '../../src/gate/decide.js';
import type { BypassCandidate, Verdict, WindowReading } from '../../src/gate/types.js';
import { validatePolicy } from '../../src/policy/parse-policy.js';
import { renderComment } from '../../src/render/comment.js';
import { expectations } from '../../src/render/deployment.js';
import { describeReport } from '../../src/render/describe.js';
import { formatFreezeEnd } from '../../src/render/freeze.js';

const policy = validatePolicy({
  slos: [{ name: 'checkout', objective: 99.9, sli: { raw: { errorRatioQuery: 'sum(ratio[{{.window}}])' } } }],
  burnRate: { preset: 'workbook-paging' },
  bypass: { labels: ['hotfix'], minPermission: 'write' },
  freeze: [{ reason: 'Weekend freeze', cron: '0 17 * * 5', duration: '64h', timezone: 'Europe/Berlin', allowLabels: ['release-approved'] }],
});
const healthy = new Map([['checkout', new Map(['1h', '5m', '6h', '30m', '30d'].map((w): [string, WindowReading] => [w, { ok: true, ratio: 0.0005 }]))]]);
const FRIDAY_NIGHT = new Date('2026-12-04T20:00:00Z');

function verdictWith(candidates: BypassCandidate[] = []): Verdict {
  return decide(
    policy,
    healthy,
    candidates,
    candidates.map((c) => c.label),
    FRIDAY_NIGHT,
  );
}

describe('a change freeze in the status and the comment', () => {
  it('says in the status when the freeze ends, in UTC and in the window’s zone', () => {
    expect(describeReport({ kind: 'verdict', verdict: verdictWith() })).toBe(
      'Blocked: change freeze until 2026-12-07 08:00 UTC (09:00 Europe/Berlin): Weekend freeze',
    );
  });

  it('explains the freeze in the comment, with the labels that lift it and when it looks again', () => {
    const comment = renderComment({ kind: 'verdict', verdict: verdictWith() }, { sha: 'abc1234', bypass: policy.bypass, recheckEveryMs: 300_000 });
    expect(comment).toContain(
      '- **Change freeze** (`freeze[0]` in `.github/slo-gate.yml`): Weekend freeze. Merging is blocked until 2026-12-07 08:00 UTC (09:00 Europe/Berlin), whatever the error budget says. Someone with write permission or higher can add the label `release-approved` to let this pull request through the freeze.',
    );
    expect(comment).toContain('- **Wait for the freeze to end** at 2026-12-07 08:00 UTC (09:00 Europe/Berlin): slo-gate looks again then by itself.');
    expect(comment).not.toContain('**Frozen**'); // that is the budget tier's advice
  });

  it('names an allowed label that did not count, and why', () => {
    const comment = renderComment(
      { kind: 'verdict', verdict: verdictWith([{ label: 'release-approved', actor: 'bob', permission: 'triage', appliedAt: undefined }]) },
      { sha: 'abc1234' },
    );
    expect(comment).toContain(
      'The label `release-approved` was applied by @bob, who has triage permission; lifting the freeze needs write or higher, so it is ignored.',
    );
  });

  it('says who lifted the freeze for a change let through', () => {
    const verdict = verdictWith([{ label: 'release-approved', actor: 'alice', permission: 'admin', appliedAt: '2026-12-04T19:00:00Z' }]);
    expect(describeReport({ kind: 'verdict', verdict })).toBe('OK: change freeze "Weekend freeze" lifted by label release-approved (applied by @alice)');
    expect(renderComment({ kind: 'verdict', verdict }, { sha: 'abc1234' })).toContain(
      '- **Change freeze** (`freeze[0]` in `.github/slo-gate.yml`): Weekend freeze. Lifted for this pull request by the label `release-approved`, applied by @alice.',
    );
  });

  it('tells a waiting deployment when the freeze ends', () => {
    expect(expectations(verdictWith())).toEqual(['- **change freeze** (Weekend freeze): when it ends, 2026-12-07 08:00 UTC (09:00 Europe/Berlin)']);
  });

  it.each([
    ['2026-12-07T08:00:00.000Z', 'UTC', '2026-12-07 08:00 UTC'],
    ['2026-12-07T08:00:00.000Z', 'America/New_York', '2026-12-07 08:00 UTC (03:00 America/New_York)'],
    ['2026-12-07T20:00:00.000Z', 'Asia/Tokyo', '2026-12-07 20:00 UTC (2026-12-08 05:00 Asia/Tokyo)'],
    ['2027-01-04T08:00:00.000Z', '+01:00', '2027-01-04 08:00 UTC (09:00 +01:00)'],
    ['2027-01-04T02:00:00.000Z', '-05:30', '2027-01-04 02:00 UTC (2027-01-03 20:30 -05:30)'],
  ])('writes the end %s in %s as %s', (endsAt, zone, text) => {
    expect(formatFreezeEnd(endsAt, zone)).toBe(text);
  });
});
