import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../src/errors.js';
import { validatePolicy } from '../../src/policy/parse-policy.js';

const SLOS = [{ name: 'checkout', objective: 99.9, sli: { raw: { errorRatioQuery: 'ratio[{{.window}}]' } } }];

function problemsOf(budget: unknown): Array<[string, string]> {
  try {
    validatePolicy({ slos: SLOS, budget });
  } catch (error) {
    return (error as PolicyError).problems.map((p) => [p.path, p.message]);
  }
  throw new Error('expected the policy to be rejected');
}

describe('budget: tiers as teams write error-budget policies', () => {
  it('reads every tier, and the forecast horizon', () => {
    const budget = { warnBelow: 30, restrictBelow: 25, allowLabels: ['critical-fix', 'reliability'], freezeBelow: 5, blockBelow: 0, horizon: '3d' };
    expect(validatePolicy({ slos: SLOS, budget }).budget).toEqual(budget);
  });

  it('leaves the restrict and freeze tiers out when the policy does not set them', () => {
    expect(validatePolicy({ slos: SLOS }).budget).toEqual({ warnBelow: 25, blockBelow: 0, allowLabels: [] });
  });

  it.each<{ name: string; budget: Record<string, unknown>; problems: Array<[string, string]> }>([
    {
      name: 'asks for the allowed labels of a restriction',
      budget: { restrictBelow: 20 },
      problems: [
        ['budget.restrictBelow', 'needs budget.allowLabels, the labels that may still merge below it (to let only bypass labels through, use freezeBelow)'],
      ],
    },
    {
      name: 'refuses allowed labels without a restriction',
      budget: { allowLabels: ['critical-fix'] },
      problems: [['budget.allowLabels', 'has no effect without budget.restrictBelow']],
    },
    {
      name: 'refuses a freeze above the restriction',
      budget: { restrictBelow: 10, allowLabels: ['x'], freezeBelow: 20 },
      problems: [['budget.freezeBelow', 'must not be above budget.restrictBelow: a freeze is stricter than a restriction']],
    },
    {
      name: 'refuses a restriction above the warning',
      budget: { warnBelow: 25, restrictBelow: 30, allowLabels: ['x'] },
      problems: [['budget.restrictBelow', 'must not be above budget.warnBelow: a restricted budget is also a low one, so raise warnBelow too']],
    },
    {
      name: 'refuses a freeze below the block, which would never apply',
      budget: { blockBelow: 10, freezeBelow: 5 },
      problems: [['budget.freezeBelow', 'must not be below budget.blockBelow: it would never apply']],
    },
    {
      name: 'refuses a restriction below the block, which would never apply',
      budget: { blockBelow: 10, restrictBelow: 5, allowLabels: ['x'] },
      problems: [['budget.restrictBelow', 'must not be below budget.blockBelow: it would never apply']],
    },
    {
      name: 'refuses a duplicate allowed label',
      budget: { restrictBelow: 20, allowLabels: ['x', 'x'] },
      problems: [['budget.allowLabels[1]', 'duplicate label "x"']],
    },
    {
      name: 'refuses an empty label',
      budget: { restrictBelow: 20, allowLabels: [''] },
      problems: [['budget.allowLabels[0]', 'must be at least 1 character long']],
    },
    {
      name: 'refuses a horizon that is not a duration',
      budget: { horizon: 'three days' },
      problems: [['budget.horizon', 'must be a Prometheus duration such as 1d or 3d']],
    },
    {
      name: 'keeps refusing a block above the warning',
      budget: { warnBelow: 10, blockBelow: 20 },
      problems: [['budget.blockBelow', 'must not be above budget.warnBelow']],
    },
  ])('$name', ({ budget, problems }) => {
    expect(problemsOf(budget)).toEqual(problems);
  });

  it('accepts a freeze and a restriction at the same level, and a freeze without a restriction', () => {
    expect(() => validatePolicy({ slos: SLOS, budget: { restrictBelow: 10, allowLabels: ['x'], freezeBelow: 10 } })).not.toThrow();
    expect(() => validatePolicy({ slos: SLOS, budget: { freezeBelow: 5 } })).not.toThrow();
  });
});
