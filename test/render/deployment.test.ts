import { describe, expect, it } from 'vitest';
import { assess } from '../../src/gate/assess.js';
import { decide } from '../../src/gate/decide.js';
import type { BypassCandidate, WindowReading } from '../../src/gate/types.js';
import { verify, type DeployReading } from '../../src/gate/verify.js';
import { validatePolicy } from '../../src/policy/parse-policy.js';
import {
  describeEnvironment,
  describeVerification,
  describeVerificationPending,
  MAX_REVIEW_COMMENT,
  REGRESSION_MARKER,
  renderProgressReport,
  renderProtectionDecision,
  renderRegressionComment,
  type DecisionContext,
  type GateOutcome,
} from '../../src/render/deployment.js';
import { MAX_DESCRIPTION } from '../../src/render/describe.js';

const SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const MINUTE = 60_000;
/** The SRE Workbook's two rules, written out: the snapshots show their windows, whatever the default becomes. */
const BURN_RATE = {
  rules: [
    { name: 'fast', long: '1h', short: '5m', factor: 14.4 },
    { name: 'slow', long: '6h', short: '30m', factor: 6 },
  ],
};
const raw = (name: string) => ({ name, objective: 99.9, sli: { raw: { errorRatioQuery: `${name}[{{.window}}]` } } });
const policyOf = (extra: Record<string, unknown> = {}, names = ['checkout-availability']) =>
  validatePolicy({ slos: names.map(raw), bypass: { labels: ['hotfix'] }, burnRate: BURN_RATE, ...extra });

const ok = (ratio: number): WindowReading => ({ ok: true, ratio });
const same = (reading: number | WindowReading) =>
  new Map(['1h', '5m', '6h', '30m', '30d'].map((w) => [w, typeof reading === 'number' ? ok(reading) : reading]));
const FAST_BURN = new Map([
  ['1h', ok(0.0213)],
  ['5m', ok(0.0189)],
  ['6h', ok(0.0041)],
  ['30m', ok(0.0189)],
  ['30d', ok(0.00072)],
]);
const DOWN: WindowReading = { ok: false, reason: 'errorRatioQuery cannot reach http://prometheus:9090 (ECONNREFUSED)' };

const verdictOf = (readings: Record<string, Map<string, WindowReading>>, policy = policyOf(), candidates: BypassCandidate[] = []): GateOutcome => ({
  kind: 'verdict',
  verdict: decide(policy, new Map(Object.entries(readings)), candidates),
});

const FIFTY = Array.from({ length: 50 }, (_, i) => `service-number-${String(i).padStart(2, '0')}-availability`);
const fiftyBurning = verdictOf(Object.fromEntries(FIFTY.map((name, i) => [name, i % 10 === 9 ? same(DOWN) : FAST_BURN])), policyOf({}, FIFTY));

const DECISIONS: Array<[name: string, outcome: GateOutcome, context: Partial<DecisionContext>]> = [
  ['approved', verdictOf({ 'checkout-availability': same(0.0005) }), { state: 'approved' }],
  ['approved-after-waiting', verdictOf({ 'checkout-availability': same(0.0005) }), { state: 'approved', waitedMs: 47 * MINUTE }],
  ['rejected-fast-burn', verdictOf({ 'checkout-availability': FAST_BURN }), { state: 'rejected' }],
  ['rejected-timed-out', verdictOf({ 'checkout-availability': same(0.0011) }), { state: 'rejected', waitedMs: 120 * MINUTE, timedOut: true }],
  ['rejected-missing-data', verdictOf({ 'checkout-availability': same(DOWN) }), { state: 'rejected' }],
  ['approved-missing-data-allowed', verdictOf({ 'checkout-availability': same(DOWN) }, policyOf({ onMissingData: 'allow' })), { state: 'approved' }],
  [
    'approved-bypassed',
    verdictOf({ 'checkout-availability': FAST_BURN }, policyOf(), [
      { label: 'hotfix', actor: 'alice', permission: 'write', appliedAt: '2026-11-22T10:03:00Z' },
    ]),
    { state: 'approved' },
  ],
  ['approved-warn-mode', verdictOf({ 'checkout-availability': FAST_BURN }, policyOf({ mode: 'warn' })), { state: 'approved' }],
  [
    'rejected-invalid-policy',
    { kind: 'invalid-policy', problems: [{ path: 'environments.production.waitFor', message: 'must be at most 30d', line: 12 }] },
    { state: 'rejected' },
  ],
  ['rejected-failed', { kind: 'failed', message: 'GitHub: reading .github/slo-gate.yml failed (HTTP 502): Bad Gateway' }, { state: 'rejected' }],
  ['not-gated-no-policy', { kind: 'not-gated', why: 'no-policy' }, { state: 'approved' }],
  ['not-gated-not-listed', { kind: 'not-gated', why: 'not-listed' }, { environment: 'staging', state: 'approved' }],
  ['rejected-fifty-slos', fiftyBurning, { state: 'rejected', waitedMs: 30 * MINUTE, timedOut: true }],
];

const decision = (outcome: GateOutcome, context: Partial<DecisionContext>) =>
  renderProtectionDecision(outcome, { environment: 'production', state: 'approved', sha: SHA, ...context });

describe('the protection-rule decision comment', () => {
  it.each(DECISIONS)('renders the %s decision as in its snapshot', async (name, outcome, context) => {
    await expect(`${decision(outcome, context)}\n`).toMatchFileSnapshot(`./__snapshots__/deployment/decision-${name}.md`);
  });

  it.each(DECISIONS)("keeps the %s decision within GitHub's 1024 characters", (_name, outcome, context) => {
    expect(decision(outcome, context).length).toBeLessThanOrEqual(MAX_REVIEW_COMMENT);
  });

  it('summarises 50 blocking SLOs within 1024 characters, saying how many reasons it left out', () => {
    const text = decision(fiftyBurning, { state: 'rejected' });
    expect(text.length).toBeLessThanOrEqual(MAX_REVIEW_COMMENT);
    expect(text).toContain('50 SLOs: 0 ok, 45 blocking, 5 without data.');
    expect(text).toMatch(/- …and \d+ more/);
    expect(text).toContain(`commit ${SHA.slice(0, 7)}`);
  });

  it('stays within 1024 characters for a 255-character environment name and a long failure, cutting what it must', () => {
    const failed: GateOutcome = { kind: 'failed', message: 'x'.repeat(2000) };
    for (const outcome of [failed, fiftyBurning]) {
      expect(decision(outcome, { environment: 'e'.repeat(255), state: 'rejected' }).length).toBeLessThanOrEqual(MAX_REVIEW_COMMENT);
    }
  });

  it('quotes an environment name with spaces in the command it suggests, and keeps backticks out of code spans', () => {
    const text = decision(verdictOf({ 'checkout-availability': FAST_BURN }), { environment: 'eu `west` prod', state: 'rejected' });
    expect(text).toContain('`npx slo-gate evaluate --environment "eu \'west\' prod"`');
    expect(text).toContain("to `eu 'west' prod`");
  });
});

describe('the progress report while a deployment waits', () => {
  const progress = (outcome: GateOutcome) =>
    renderProgressReport((outcome as Extract<GateOutcome, { kind: 'verdict' }>).verdict, {
      environment: 'production',
      waitedMs: 12 * MINUTE,
      remainingMs: 108 * MINUTE,
      recheckEveryMs: 5 * MINUTE,
    });

  it.each([
    ['fast-burn', verdictOf({ 'checkout-availability': FAST_BURN })],
    ['budget-exhausted', verdictOf({ 'checkout-availability': new Map([...same(0.0002), ['30d', ok(0.0011)]]) })],
    ['missing-data', verdictOf({ 'checkout-availability': same(DOWN) })],
    ['fifty-slos', fiftyBurning],
  ] as const)('renders the %s progress report as in its snapshot, within 1024 characters', async (name, outcome) => {
    const text = progress(outcome);
    expect(text.length).toBeLessThanOrEqual(MAX_REVIEW_COMMENT);
    await expect(`${text}\n`).toMatchFileSnapshot(`./__snapshots__/deployment/progress-${name}.md`);
  });

  it('says when a spent budget is expected back and when a burn rule may stop', () => {
    expect(progress(verdictOf({ 'checkout-availability': FAST_BURN }))).toContain(
      'rule `fast` stops blocking about 5m after the errors stop (now 18.9× over 5m, limit 14.4×)',
    );
    expect(progress(verdictOf({ 'checkout-availability': new Map([...same(0.0002), ['30d', ok(0.0011)]]) }))).toMatch(
      /budget back above 0% in roughly \d+ days/,
    );
  });
});

describe('the regression comment on pull requests', () => {
  const policy = policyOf({}, ['checkout-availability', 'search-latency']);
  const burn = (b: number): WindowReading => ok(b * 0.001);
  const check = (readings: Record<string, DeployReading>, windows: Record<string, Map<string, WindowReading>>) =>
    verify(policy, new Map(Object.entries(readings)), assess(policy, new Map(Object.entries(windows))), { elapsedMs: 15 * MINUTE, regressionFactor: 5 });
  const context = { environment: 'production', sha: SHA, deploymentId: 145988746, checks: ['5m', '15m', '30m'] };

  it('renders a regression against the burn before the deploy as in its snapshot', async () => {
    const verification = check(
      {
        'checkout-availability': { after: burn(50), before: burn(0.5), requests: 9000 },
        'search-latency': { after: burn(0.4), before: burn(0.5), requests: 12_000 },
      },
      { 'checkout-availability': same(0.0005), 'search-latency': same(0.0005) },
    );
    const text = renderRegressionComment(verification, context);
    expect(text.startsWith(`${REGRESSION_MARKER} deployment=145988746 environment=production -->`)).toBe(true);
    await expect(`status: ${describeVerification(verification)}\n\n${text}\n`).toMatchFileSnapshot('./__snapshots__/deployment/regression-compared.md');
  });

  it('renders a regression by a firing burn-rate rule, next to an SLO without data, as in its snapshot', async () => {
    const verification = check(
      {
        'checkout-availability': { after: burn(20), before: burn(18), requests: undefined },
        'search-latency': { after: DOWN, before: DOWN, requests: undefined },
      },
      { 'checkout-availability': FAST_BURN, 'search-latency': same(0.0005) },
    );
    await expect(`status: ${describeVerification(verification)}\n\n${renderRegressionComment(verification, context)}\n`).toMatchFileSnapshot(
      './__snapshots__/deployment/regression-burn-rule.md',
    );
  });
});

describe('status descriptions of an environment and its verification', () => {
  const policy = policyOf();
  const one = (reading: DeployReading) =>
    verify(policy, new Map([['checkout-availability', reading]]), assess(policy, new Map([['checkout-availability', same(0.0005)]])), {
      elapsedMs: 30 * MINUTE,
      regressionFactor: 5,
    });

  it.each([
    ['pending', describeVerificationPending(['5m', '15m', '30m']), 'Checking the deployment 5m, 15m, 30m after it went out'],
    [
      'clean',
      describeVerification(one({ after: ok(0.0004), before: ok(0.0005), requests: 5000 })),
      'No regression 30 min after deploy: highest burn 0.4× (checkout-availability, was 0.5×)',
    ],
    [
      'regression',
      describeVerification(one({ after: ok(0.05), before: ok(0.0005), requests: 5000 })),
      'Regression 30 min after deploy: checkout-availability burning 50× (was 0.5×)',
    ],
    [
      'missing',
      describeVerification(one({ after: DOWN, before: ok(0.0005), requests: undefined })),
      'No data 30 min after deploy: checkout-availability, since the deploy: errorRatioQuery cannot reach http://prometheus:9090 (ECONNREFUSED)',
    ],
    ['not gated', describeEnvironment({ kind: 'not-gated', why: 'not-listed' }), 'Not gated: the policy does not list this environment'],
    [
      'blocked',
      describeEnvironment(verdictOf({ 'checkout-availability': FAST_BURN })),
      'Blocked: checkout-availability burning 21.3× over 1h and 18.9× over 5m (limit 14.4×); passes ~5 min after errors stop',
    ],
  ])('describes %s as expected, within 140 characters', (_name, text, expected) => {
    expect(text).toBe(expected);
    expect(text.length).toBeLessThanOrEqual(MAX_DESCRIPTION);
  });

  it('cuts a long missing-data description to 140 characters', () => {
    const text = describeVerification(one({ after: { ok: false, reason: 'x'.repeat(300) }, before: ok(0.0005), requests: undefined }));
    expect(text).toHaveLength(MAX_DESCRIPTION);
    expect(text.endsWith('…')).toBe(true);
  });
});
