import { z } from 'zod';
import { parseDuration } from './duration.js';

/**
 * `budget:` in the policy: the error-budget tiers, as teams write error-budget policies: the less
 * budget is left, the less change is allowed. From the most to the least budget left: warn, restrict
 * (only pull requests with an allowed label), freeze (only bypass labels), block. Pure.
 */

const percentLeft = z.number().min(-1000).max(100, { error: 'must be at most 100 (% of error budget left)' });
const label = z.string().min(1).max(50);

export const budgetSchema = z
  .strictObject({
    warnBelow: percentLeft.default(25),
    blockBelow: percentLeft.default(0),
    restrictBelow: percentLeft.optional(),
    allowLabels: z.array(label).max(20).default([]),
    freezeBelow: percentLeft.optional(),
    horizon: z
      .string()
      .refine((text) => parseDuration(text) !== undefined, { error: 'must be a Prometheus duration such as 1d or 3d' })
      .optional(),
  })
  .default({ warnBelow: 25, blockBelow: 0, allowLabels: [] });

export type BudgetSettings = z.output<typeof budgetSchema>;

/** What is wrong with the tiers together: each problem with its key path. */
export function budgetProblems(budget: BudgetSettings): Array<{ path: PropertyKey[]; message: string }> {
  const problems: Array<{ path: PropertyKey[]; message: string }> = [];
  const at = (key: string, message: string, index?: number) => problems.push({ path: ['budget', key, ...(index === undefined ? [] : [index])], message });
  const { warnBelow, blockBelow, restrictBelow, freezeBelow, allowLabels } = budget;
  if (blockBelow > warnBelow) at('blockBelow', 'must not be above budget.warnBelow');
  if (restrictBelow !== undefined) {
    if (restrictBelow > warnBelow) at('restrictBelow', 'must not be above budget.warnBelow: a restricted budget is also a low one, so raise warnBelow too');
    if (restrictBelow < blockBelow) at('restrictBelow', 'must not be below budget.blockBelow: it would never apply');
    if (allowLabels.length === 0)
      at('restrictBelow', 'needs budget.allowLabels, the labels that may still merge below it (to let only bypass labels through, use freezeBelow)');
  } else if (allowLabels.length > 0) {
    at('allowLabels', 'has no effect without budget.restrictBelow');
  }
  if (freezeBelow !== undefined) {
    if (freezeBelow < blockBelow) at('freezeBelow', 'must not be below budget.blockBelow: it would never apply');
    if (restrictBelow !== undefined && freezeBelow > restrictBelow)
      at('freezeBelow', 'must not be above budget.restrictBelow: a freeze is stricter than a restriction');
    if (freezeBelow > warnBelow) at('freezeBelow', 'must not be above budget.warnBelow: a frozen budget is also a low one, so raise warnBelow too');
  }
  allowLabels.forEach((name, index) => {
    if (allowLabels.indexOf(name) < index) at('allowLabels', `duplicate label "${name}"`, index);
  });
  return problems;
}
