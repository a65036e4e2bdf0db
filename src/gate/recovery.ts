import { parseDuration } from '../policy/duration.js';
import type { BudgetResult, SloResult } from './types.js';

/**
 * Roughly how long until a budget in a tier that blocks (exhausted, frozen, restricted) climbs
 * back to the tier's threshold, or undefined when the trend gives no answer. Over a sliding
 * period, old errors age out at about the period's average burn while new ones arrive at the
 * current burn (the longest rule window's), so the budget left grows by (average − current) /
 * period per unit of time. A rough guide for people, never a decision.
 */
export function budgetRecoveryMs(result: SloResult): number | undefined {
  const { budget, rules } = result;
  const period = parseDuration(result.slo.period);
  const target = thresholdOf(budget);
  if (target === undefined || budget.left === undefined || period === undefined) return undefined;
  const longest = [...rules].sort((a, b) => (parseDuration(b.rule.long) ?? 0) - (parseDuration(a.rule.long) ?? 0))[0];
  const current = longest?.long.burnRate;
  if (current === undefined) return undefined;
  const average = 1 - budget.left;
  const gainPerMs = (average - current) / period;
  if (!(gainPerMs > 0)) return undefined;
  return Math.max(0, (target / 100 - budget.left) / gainPerMs);
}

/** The percent of budget left a blocking tier ends at: blockBelow, freezeBelow or restrictBelow. */
function thresholdOf(budget: BudgetResult): number | undefined {
  switch (budget.state) {
    case 'exhausted':
      return budget.blockBelow;
    case 'frozen':
      return budget.freezeBelow;
    case 'restricted':
      return budget.restrictBelow;
    default:
      return undefined;
  }
}
