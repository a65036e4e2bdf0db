import { z } from 'zod';

/**
 * `budget:` in the policy: how little error budget left warns, and how little blocks. Pure.
 */

const percentLeft = z.number().min(-1000).max(100, { error: 'must be at most 100 (% of error budget left)' });

export const budgetSchema = z
  .strictObject({
    warnBelow: percentLeft.default(25),
    blockBelow: percentLeft.default(0),
  })
  .default({ warnBelow: 25, blockBelow: 0 });

export type BudgetSettings = z.output<typeof budgetSchema>;

/** What is wrong with the thresholds together: each problem with its key path. */
export function budgetProblems(budget: BudgetSettings): Array<{ path: PropertyKey[]; message: string }> {
  const problems: Array<{ path: PropertyKey[]; message: string }> = [];
  if (budget.blockBelow > budget.warnBelow) problems.push({ path: ['budget', 'blockBelow'], message: 'must not be above budget.warnBelow' });
  return problems;
}
