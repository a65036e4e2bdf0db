import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../src/errors.js';
import { validatePolicy } from '../../src/policy/parse-policy.js';

const SLOS = [{ name: 'checkout', objective: 99.9, sli: { raw: { errorRatioQuery: 'ratio[{{.window}}]' } } }];
const OWN = [{ name: 'page', long: '2h', short: '10m', factor: 10 }];

function burnRateOf(burnRate: unknown) {
  return validatePolicy(burnRate === undefined ? { slos: SLOS } : { slos: SLOS, burnRate }).burnRate;
}

function problemsOf(burnRate: unknown): Array<[string, string]> {
  try {
    validatePolicy({ slos: SLOS, burnRate });
  } catch (error) {
    return (error as PolicyError).problems.map((p) => [p.path, p.message]);
  }
  throw new Error('expected the policy to be rejected');
}

describe('burnRate: presets, own rules and the guard', () => {
  it('gives a policy that sets nothing the gating preset: three rules and a guard of 20 failed requests', () => {
    expect(burnRateOf(undefined)).toEqual({
      preset: 'gating',
      rules: [
        { name: 'acute', long: '5m', short: '1m', factor: 14.4 },
        { name: 'fast', long: '15m', short: '5m', factor: 3.6 },
        { name: 'slow', long: '1h', short: '15m', factor: 1.5 },
      ],
      minErrors: 20,
    });
  });

  it('gives `preset: workbook-paging` the rules slo-gate shipped with first, without a guard', () => {
    expect(burnRateOf({ preset: 'workbook-paging' })).toEqual({
      preset: 'workbook-paging',
      rules: [
        { name: 'fast', long: '1h', short: '5m', factor: 14.4 },
        { name: 'slow', long: '6h', short: '30m', factor: 6 },
      ],
      minErrors: 0,
    });
  });

  it.each<{ name: string; burnRate: unknown; preset: string; minErrors: number }>([
    { name: 'keeps a policy\u2019s own rules exactly, with no guard', burnRate: { rules: OWN }, preset: 'custom', minErrors: 0 },
    { name: 'adds a guard to its own rules when it sets minErrors', burnRate: { rules: OWN, minErrors: 5 }, preset: 'custom', minErrors: 5 },
    { name: 'turns the gating guard off with minErrors: 0', burnRate: { minErrors: 0 }, preset: 'gating', minErrors: 0 },
    { name: 'guards the Workbook preset when asked', burnRate: { preset: 'workbook-paging', minErrors: 10 }, preset: 'workbook-paging', minErrors: 10 },
  ])('$name', ({ burnRate, preset, minErrors }) => {
    expect(burnRateOf(burnRate)).toMatchObject({ preset, minErrors });
  });

  it.each<{ name: string; burnRate: unknown; problem: [string, string] }>([
    {
      name: 'rejects a preset together with rules: which one applies would be a guess',
      burnRate: { preset: 'gating', rules: OWN },
      problem: ['burnRate.rules', 'cannot be combined with burnRate.preset (gating): remove one (a policy that extends another inherits its preset)'],
    },
    { name: 'rejects an unknown preset', burnRate: { preset: 'paging' }, problem: ['burnRate.preset', 'must be one of gating, workbook-paging'] },
    { name: 'rejects a negative guard', burnRate: { minErrors: -1 }, problem: ['burnRate.minErrors', 'must be from 0 (no guard) to 1000000'] },
    { name: 'rejects a fractional guard', burnRate: { minErrors: 2.5 }, problem: ['burnRate.minErrors', 'must be a whole number of failed requests, e.g. 20'] },
    { name: 'rejects a guard written as text', burnRate: { minErrors: 'ten' }, problem: ['burnRate.minErrors', 'must be a number, not string "ten"'] },
    { name: 'rejects an unknown key', burnRate: { rule: OWN }, problem: ['burnRate.rule', 'unknown key'] },
  ])('$name', ({ burnRate, problem }) => {
    expect(problemsOf(burnRate)).toEqual([problem]);
  });
});
