import { describe, expect, it } from 'vitest';
import { decide } from '../../src/gate/decide.js';
import type { Report } from '../../src/gate/report.js';
import type { BypassCandidate, WindowReading } from '../../src/gate/types.js';
import { validatePolicy } from '../../src/policy/parse-policy.js';
import { COMMENT_MARKER, renderComment } from '../../src/render/comment.js';
import { describeReport, MAX_DESCRIPTION } from '../../src/render/describe.js';

const raw = (name: string) => ({ name, objective: 99.9, sli: { raw: { errorRatioQuery: `${name}[{{.window}}]` } } });
/** The Workbook paging rules (fast 1h/5m, slow 6h/30m): the readings below are written for their windows. */
const policyOf = (extra: Record<string, unknown> = {}, names = ['checkout-availability']) =>
  validatePolicy({ slos: names.map(raw), bypass: { labels: ['hotfix', 'security'] }, burnRate: { preset: 'workbook-paging' }, ...extra });

const ok = (ratio: number): WindowReading => ({ ok: true, ratio });
const same = (ratio: number | WindowReading) => {
  const reading = typeof ratio === 'number' ? ok(ratio) : ratio;
  return new Map(['1h', '5m', '6h', '30m', '30d'].map((w) => [w, reading]));
};

const CASES: Array<[string, Report]> = [];
const add = (name: string, policy = policyOf(), readings: Record<string, Map<string, WindowReading>>, candidates: BypassCandidate[] = []) =>
  CASES.push([name, { kind: 'verdict', verdict: decide(policy, new Map(Object.entries(readings)), candidates) }]);

add('healthy', policyOf(), { 'checkout-availability': same(0.0005) });
add('fast-burn', policyOf(), {
  'checkout-availability': new Map([
    ['1h', ok(0.0213)],
    ['5m', ok(0.0189)],
    ['6h', ok(0.0041)],
    ['30m', ok(0.0189)],
    ['30d', ok(0.00072)],
  ]),
});
add('budget-low', policyOf(), { 'checkout-availability': new Map([...same(0.0005), ['30d', ok(0.00082)]]) });
add('budget-exhausted', policyOf(), { 'checkout-availability': same(0.0011) });
add('budget-recovering', policyOf(), { 'checkout-availability': new Map([...same(0.0002), ['30d', ok(0.0011)]]) });
add('no-traffic', policyOf(), { 'checkout-availability': same(NaN) });
add('missing-data', policyOf(), { 'checkout-availability': same({ ok: false, reason: 'errorRatioQuery cannot reach http://prometheus:9090 (ECONNREFUSED)' }) });
add('missing-data-allowed', policyOf({ onMissingData: 'allow' }), {
  'checkout-availability': same({ ok: false, reason: 'errorRatioQuery returned no series' }),
});
add('warn-mode', policyOf({ mode: 'warn' }), { 'checkout-availability': same(0.02) });
add('bypassed', policyOf(), { 'checkout-availability': same(0.02) }, [
  { label: 'hotfix', actor: 'alice', permission: 'write', appliedAt: '2026-11-22T10:03:00Z' },
]);
add('bypass-ignored', policyOf(), { 'checkout-availability': same(0.02) }, [
  { label: 'security', actor: 'mallory', permission: 'triage', appliedAt: '2026-11-22T10:03:00Z' },
]);
add('two-slos', policyOf({}, ['checkout-availability', 'search-latency']), { 'checkout-availability': same(0.02), 'search-latency': same(0.0001) });

/** An error-budget policy with every tier, and a 30-day reading that leaves `percent` of the budget. */
const TIERS = { budget: { warnBelow: 25, restrictBelow: 25, allowLabels: ['critical-fix', 'reliability'], freezeBelow: 5 } };
const leaving = (percent: number) => new Map([...same(0.0002), ['30d', ok(((100 - percent) / 100) * 0.001)]]);
add('budget-restricted', policyOf(TIERS), { 'checkout-availability': leaving(18) });
CASES.push([
  'budget-restricted-allowed',
  { kind: 'verdict', verdict: decide(policyOf(TIERS), new Map([['checkout-availability', leaving(18)]]), [], ['critical-fix']) },
]);
add('budget-frozen', policyOf(TIERS), { 'checkout-availability': leaving(3) });
// 20 % left and 3× over the last 6h (no rule fires): gone in about 65 h, so a 3-day horizon blocks.
add('budget-forecast', policyOf({ budget: { horizon: '3d' } }), {
  'checkout-availability': new Map([...same(0.0002), ['6h', ok(0.003)], ['30d', ok(0.0008)]]),
});

/** The gating defaults: windows 5m, 1m, 15m, 1h and the period. */
const gating = (ratio: number, failed?: number) =>
  new Map(['5m', '1m', '15m', '1h', '30d'].map((w): [string, WindowReading] => [w, failed === undefined ? ok(ratio) : { ok: true, ratio, failed }]));
add('raw-without-counts', policyOf({ burnRate: {} }), { 'checkout-availability': gating(0.0002) });
CASES.push([
  'guard-held-back',
  {
    kind: 'verdict',
    verdict: decide(
      validatePolicy({
        slos: [{ name: 'checkout-availability', objective: 99.9, sli: { events: { errorQuery: 'e[{{.window}}]', totalQuery: 't[{{.window}}]' } } }],
      }),
      // One failed request at 0.2 req/s: 1 of 60 requests in 5 min (burn 16.7), 1 of 12 in the last minute.
      new Map([
        ['checkout-availability', new Map([...gating(0, 0), ['5m', { ok: true, ratio: 1 / 60, failed: 1 }], ['1m', { ok: true, ratio: 1 / 12, failed: 1 }]])],
      ]),
    ),
  },
]);
CASES.push([
  'invalid-policy',
  {
    kind: 'invalid-policy',
    problems: [
      { path: 'mode', message: 'must be one of enforce, warn', line: 2 },
      { path: '', message: 'invalid YAML: bad indentation', line: 7 },
    ],
  },
]);
CASES.push(['failed', { kind: 'failed', message: 'GitHub: listing comments of #2 failed (HTTP 502): Bad Gateway' }]);

describe('rendering a verdict for people', () => {
  it.each(CASES)('renders the %s comment as in its snapshot', async (name, report) => {
    const comment = renderComment(report, {
      sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      bypass: { labels: ['hotfix', 'security'], minPermission: 'write' },
      recheckEveryMs: 300_000,
    });
    expect(comment.startsWith(COMMENT_MARKER)).toBe(true);
    await expect(`status: ${describeReport(report)}\n\n${comment}\n`).toMatchFileSnapshot(`./__snapshots__/${name}.md`);
  });

  it.each(CASES)('keeps the %s status description within GitHub’s 140 characters', (_name, report) => {
    expect(describeReport(report).length).toBeLessThanOrEqual(MAX_DESCRIPTION);
  });

  it('cuts a long description but keeps how many more reasons there are', () => {
    const long = 'x'.repeat(60);
    const report: Report = {
      kind: 'invalid-policy',
      problems: [
        { path: `slos[0].${long}`, message: long },
        { path: 'mode', message: 'bad' },
      ],
    };
    const text = describeReport(report);
    expect(text).toHaveLength(MAX_DESCRIPTION);
    expect(text.endsWith('… (+1 more)')).toBe(true);
  });

  it('never rounds a burn rate onto its limit: 14.43 reads as 14.43×, not 14.4×', () => {
    const policy = policyOf();
    const verdict = decide(policy, new Map([['checkout-availability', new Map([...same(0.0005), ['1h', ok(0.01443)], ['5m', ok(0.01443)]])]]));
    expect(describeReport({ kind: 'verdict', verdict })).toBe(
      'Blocked: checkout-availability burning 14.43× over 1h and 14.43× over 5m (limit 14.4×); passes ~5 min after errors stop',
    );
  });

  it('renders the same text for the same numbers, so an unchanged comment is not edited', () => {
    const [, report] = CASES[1]!;
    const context = { sha: 'abc1234', bypass: undefined };
    expect(renderComment(report, context)).toBe(renderComment(structuredClone(report), context));
  });
});
