import { describe, expect, it } from 'vitest';
import { decide } from '../../src/gate/decide.js';
import type { BudgetTier, BypassCandidate, GateState, SloState } from '../../src/gate/types.js';
import { policyWith, QUIET, readingsOf } from '../support/readings.js';

/** An error-budget policy as teams write it: warn below 25 %, restrict below 25 %, freeze below 5 %, block at 0 %. */
const TIERED = policyWith({
  budget: { warnBelow: 25, restrictBelow: 25, allowLabels: ['critical-fix', 'reliability'], freezeBelow: 5, blockBelow: 0 },
  bypass: { labels: ['hotfix'] },
});
const HOTFIX: BypassCandidate = { label: 'hotfix', actor: 'alice', permission: 'admin', appliedAt: '2026-11-20T10:00:00Z' };

/** The 30-day error ratio that leaves `percent` of a 99.9 % budget: 1 - ratio / 0.001. */
const leaving = (percent: number) => ((100 - percent) / 100) * 0.001;

function verdictAt(percent: number, labels: string[] = [], candidates: BypassCandidate[] = [], windows = QUIET) {
  return decide(TIERED, readingsOf({ checkout: { ...windows, '30d': leaving(percent) } }), candidates, labels);
}

describe('budget tiers: the less budget is left, the less change is allowed', () => {
  it.each<{ name: string; percent: number; labels?: string[]; tier: BudgetTier; wouldBe: SloState; state: GateState; allowedBy?: string }>([
    { name: 'passes with 30 % left', percent: 30, tier: 'ok', wouldBe: 'pass', state: 'success' },
    { name: 'passes with exactly 25 % left: the tiers start below their thresholds', percent: 25, tier: 'ok', wouldBe: 'pass', state: 'success' },
    { name: 'blocks a pull request without an allowed label at 24.9 %', percent: 24.9, tier: 'restricted', wouldBe: 'block', state: 'failure' },
    {
      name: 'lets a pull request labelled critical-fix through at 24.9 %, with a warning',
      percent: 24.9,
      labels: ['critical-fix'],
      tier: 'restricted',
      wouldBe: 'warn',
      state: 'success',
      allowedBy: 'critical-fix',
    },
    {
      name: 'lets the second allowed label through as well',
      percent: 10,
      labels: ['docs', 'reliability'],
      tier: 'restricted',
      wouldBe: 'warn',
      state: 'success',
      allowedBy: 'reliability',
    },
    { name: 'ignores a label that is not allowed', percent: 10, labels: ['docs'], tier: 'restricted', wouldBe: 'block', state: 'failure' },
    {
      name: 'still restricts at exactly 5 %, where the freeze has not started',
      percent: 5,
      labels: ['critical-fix'],
      tier: 'restricted',
      wouldBe: 'warn',
      state: 'success',
      allowedBy: 'critical-fix',
    },
    { name: 'freezes at 4.9 %: an allowed label no longer helps', percent: 4.9, labels: ['critical-fix'], tier: 'frozen', wouldBe: 'block', state: 'failure' },
    { name: 'blocks a spent budget at exactly 0 %', percent: 0, labels: ['critical-fix'], tier: 'exhausted', wouldBe: 'block', state: 'failure' },
    { name: 'blocks an overspent budget', percent: -12, tier: 'exhausted', wouldBe: 'block', state: 'failure' },
  ])('$name', ({ percent, labels = [], tier, wouldBe, state, allowedBy }) => {
    const verdict = verdictAt(percent, labels);
    expect(verdict.assessment.tier).toBe(tier);
    expect(verdict.assessment.slos[0]!.budget.state).toBe(tier);
    expect(verdict.wouldBe).toBe(wouldBe);
    expect(verdict.state).toBe(state);
    expect(verdict.allowedBy).toBe(allowedBy);
  });

  it('lets a bypass label through a frozen budget, and only a bypass label', () => {
    expect(verdictAt(3, ['critical-fix']).state).toBe('failure');
    expect(verdictAt(3, [], [HOTFIX])).toMatchObject({ state: 'success', wouldBe: 'block', bypass: { label: 'hotfix' } });
  });

  it('does not let an allowed label through a burn: the label answers the budget, not a live incident', () => {
    const verdict = verdictAt(20, ['critical-fix'], [], { ...QUIET, '1h': 0.02, '5m': 0.02 });
    expect(verdict.state).toBe('failure');
    expect(verdict.assessment.reasons.map((r) => r.kind)).toEqual(['burn', 'budget-restricted']);
  });

  it('names the tier, the threshold and the allowed labels in the reason', () => {
    expect(verdictAt(20).assessment.reasons).toEqual([
      { kind: 'budget-restricted', slo: 'checkout', leftPercent: expect.closeTo(20, 9), restrictBelow: 25, allowLabels: ['critical-fix', 'reliability'] },
    ]);
    expect(verdictAt(20, ['reliability']).assessment.reasons[0]).toMatchObject({ kind: 'budget-restricted', allowedBy: 'reliability' });
    expect(verdictAt(2).assessment.reasons).toEqual([{ kind: 'budget-frozen', slo: 'checkout', leftPercent: expect.closeTo(2, 9), freezeBelow: 5 }]);
  });

  it('keeps a policy without tiers as it was: warn below 25 %, block at 0 %', () => {
    const plain = policyWith();
    const at = (percent: number) => decide(plain, readingsOf({ checkout: { ...QUIET, '30d': leaving(percent) } }));
    expect([at(24.9).wouldBe, at(3).wouldBe, at(0).wouldBe]).toEqual(['warn', 'warn', 'block']);
    expect(at(3).assessment.tier).toBe('low');
  });

  it('reports the lowest tier of any SLO', () => {
    const policy = policyWith({
      slos: [0, 1].map((i) => ({ name: `s${i}`, objective: 99.9, sli: { raw: { errorRatioQuery: `r${i}[{{.window}}]` } } })),
      budget: { restrictBelow: 25, allowLabels: ['critical-fix'], freezeBelow: 5 },
    });
    const verdict = decide(policy, readingsOf({ s0: { ...QUIET, '30d': leaving(50) }, s1: { ...QUIET, '30d': leaving(4) } }));
    expect(verdict.assessment.tier).toBe('frozen');
  });
});
