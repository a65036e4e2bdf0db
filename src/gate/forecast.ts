import { parseDuration } from '../policy/duration.js';
import { atOrBelow } from './math.js';
import type { BudgetForecast, BudgetResult, RuleResult, SloResult } from './types.js';

/**
 * Where the budget is heading, from readings the gate already takes. Over a sliding period, new
 * errors arrive at the current burn (the longest rule window's: the steadiest recent figure) and
 * old ones age out at about the period's average burn (1 − budget left), so the budget left moves
 * by (average − current) / period per unit of time. Rough, and said to be so: the errors ageing
 * out are the period's average, not the ones actually about to leave it. Pure.
 */
export function forecastBudget(
  budget: Pick<SloResult['budget'], 'left'>,
  rules: readonly RuleResult[],
  period: string,
  horizonMs?: number,
): BudgetForecast | undefined {
  const periodMs = parseDuration(period);
  const longest = longestRule(rules);
  const current = longest?.long.burnRate;
  if (budget.left === undefined || periodMs === undefined || longest === undefined || current === undefined) return undefined;
  const average = 1 - budget.left;
  const netBurn = current - average;
  const forecast: BudgetForecast = { window: longest.long.window, currentBurn: current, averageBurn: average, netBurn };
  // Gone within the period at this net burn: the budget must be positive and shrinking.
  if (budget.left > 0 && netBurn > 0) {
    const goneInMs = (budget.left * periodMs) / netBurn;
    if (goneInMs <= periodMs) forecast.goneInMs = goneInMs;
  }
  if (horizonMs !== undefined) {
    forecast.horizonMs = horizonMs;
    forecast.leftAfterHorizon = leftAfter(forecast, budget.left, periodMs, horizonMs);
  }
  return forecast;
}

/** With `budget.horizon`: the budget is not spent yet, but would be within the horizon at the current net burn. */
export function forecastBlocks(budget: Pick<BudgetResult, 'state' | 'blockBelow'>, forecast: BudgetForecast | undefined): boolean {
  const projected = forecast?.leftAfterHorizon;
  return budget.state !== 'exhausted' && budget.state !== 'unknown' && projected !== undefined && atOrBelow(projected * 100, budget.blockBelow);
}

/** The budget left after `ms` at the forecast's net burn. */
export function leftAfter(forecast: Pick<BudgetForecast, 'netBurn'>, left: number, periodMs: number, ms: number): number {
  return left - (forecast.netBurn * ms) / periodMs;
}

export function longestRule(rules: readonly RuleResult[]): RuleResult | undefined {
  return [...rules].sort((a, b) => (parseDuration(b.rule.long) ?? 0) - (parseDuration(a.rule.long) ?? 0))[0];
}
