import { parseDuration } from '../policy/duration.js';
import type { SloResult } from './types.js';

/**
 * Roughly how long until a spent budget climbs back above `blockBelow`, or undefined when the
 * trend gives no answer. Over a sliding period, old errors age out at about the period's average
 * burn while new ones arrive at the current burn (the longest rule window's), so the budget left
 * grows by (average − current) / period per unit of time. A rough guide for people, never a decision.
 */
export function budgetRecoveryMs(result: SloResult): number | undefined {
  const { budget, rules } = result;
  const period = parseDuration(result.slo.period);
  if (budget.state !== 'exhausted' || budget.left === undefined || period === undefined) return undefined;
  const longest = [...rules].sort((a, b) => (parseDuration(b.rule.long) ?? 0) - (parseDuration(a.rule.long) ?? 0))[0];
  const current = longest?.long.burnRate;
  if (current === undefined) return undefined;
  const average = 1 - budget.left;
  const gainPerMs = (average - current) / period;
  if (!(gainPerMs > 0)) return undefined;
  return (budget.blockBelow / 100 - budget.left) / gainPerMs;
}
