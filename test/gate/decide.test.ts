import { describe, expect, it } from 'vitest';
import { decide } from '../../src/gate/decide.js';
import type { GateState, SloState } from '../../src/gate/types.js';
import { policyWith, QUIET, readingsOf, type WindowValue } from '../support/readings.js';

/** One reading of the `checkout` SLO for each verdict the engine can reach. */
const SCENARIOS: Record<SloState, Record<string, WindowValue>> = {
  pass: QUIET,
  warn: { ...QUIET, '30d': 0.0009 },
  block: { ...QUIET, '1h': 0.02, '5m': 0.02 },
  missing: { ...QUIET, '30d': 'totalQuery returned no series' },
};

describe('decide', () => {
  it.each<{ name: string; mode: 'enforce' | 'warn'; onMissingData: 'block' | 'allow'; scenario: SloState; state: GateState }>([
    { name: 'succeeds in enforce mode when every SLO passes', mode: 'enforce', onMissingData: 'block', scenario: 'pass', state: 'success' },
    { name: 'succeeds in enforce mode when the budget is only low (a warning)', mode: 'enforce', onMissingData: 'block', scenario: 'warn', state: 'success' },
    { name: 'fails in enforce mode while a rule fires', mode: 'enforce', onMissingData: 'block', scenario: 'block', state: 'failure' },
    {
      name: 'errors in enforce mode on missing data when onMissingData is block',
      mode: 'enforce',
      onMissingData: 'block',
      scenario: 'missing',
      state: 'error',
    },
    {
      name: 'succeeds in enforce mode on missing data when onMissingData is allow',
      mode: 'enforce',
      onMissingData: 'allow',
      scenario: 'missing',
      state: 'success',
    },
    {
      name: 'still fails in enforce mode on a block when onMissingData is allow',
      mode: 'enforce',
      onMissingData: 'allow',
      scenario: 'block',
      state: 'failure',
    },
    { name: 'succeeds in warn mode while a rule fires, and says it would block', mode: 'warn', onMissingData: 'block', scenario: 'block', state: 'success' },
    {
      name: 'succeeds in warn mode on missing data even when onMissingData is block',
      mode: 'warn',
      onMissingData: 'block',
      scenario: 'missing',
      state: 'success',
    },
    { name: 'succeeds in warn mode when the budget is low', mode: 'warn', onMissingData: 'allow', scenario: 'warn', state: 'success' },
    { name: 'succeeds in warn mode when every SLO passes', mode: 'warn', onMissingData: 'block', scenario: 'pass', state: 'success' },
  ])('$name', ({ mode, onMissingData, scenario, state }) => {
    const verdict = decide(policyWith({ mode, onMissingData }), readingsOf({ checkout: SCENARIOS[scenario] }));
    expect(verdict.state).toBe(state);
    expect(verdict.wouldBe).toBe(scenario);
    expect(verdict.assessment.state).toBe(scenario);
    expect(verdict).toMatchObject({ mode, onMissingData, bypass: undefined, ignoredBypass: [] });
  });

  it('carries the reasons behind a failure, with their numbers', () => {
    const verdict = decide(policyWith(), readingsOf({ checkout: { ...SCENARIOS.block, '30d': 0.0015 } }));
    expect(verdict.state).toBe('failure');
    expect(verdict.assessment.reasons).toEqual([
      {
        kind: 'burn',
        slo: 'checkout',
        rule: 'fast',
        factor: 14.4,
        long: { window: '1h', burnRate: expect.closeTo(20, 9) },
        short: { window: '5m', burnRate: expect.closeTo(20, 9) },
      },
      { kind: 'budget-exhausted', slo: 'checkout', leftPercent: expect.closeTo(-50, 9), blockBelow: 0 },
    ]);
  });

  it('errors, never succeeds, when the readings are empty and missing data blocks', () => {
    const verdict = decide(policyWith(), new Map());
    expect(verdict.state).toBe('error');
    expect(verdict.assessment.missing).toHaveLength(5);
  });

  it('reports the minimum permission a bypass needs even when no bypass label is present', () => {
    expect(decide(policyWith({ bypass: { labels: ['hotfix'], minPermission: 'maintain' } }), readingsOf({ checkout: QUIET })).minPermission).toBe('maintain');
  });
});
