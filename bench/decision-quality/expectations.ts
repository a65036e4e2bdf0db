/**
 * Checks beyond the targets table: what the budget scenarios must show besides not blocking, and
 * whether the pure replay agrees with a real Prometheus. Pure: reported with marks, never thrown.
 */
import type { Aggregate } from './aggregate.js';

export interface Check {
  claim: string;
  pass: boolean;
  /** The numbers behind the mark. */
  detail: string;
}

/** How the pure replay and `backtest()` against a real Prometheus compared on the noiseless data. */
export interface CrossCheck {
  scenarios: string[];
  steps: number;
  /** Steps where both said the same (blocked or not, for the same reasons). */
  agreed: number;
  /** The first few disagreements, for the reader. */
  differences: string[];
}

export function checkExpectations(aggregates: readonly Aggregate[], cross: CrossCheck): Check[] {
  const checks: Check[] = [];
  const spent = aggregates.find((a) => a.scenario.name === 'budget-spent' && a.rps === a.scenario.rps);
  if (spent) {
    checks.push({
      claim: 'slo-gate warns, and does not block, on every step of the 90 %-spent budget',
      pass: spent.budget.warnSteps === spent.budget.steps && spent.gates['slo-gate'].falseBlocks.worst === 0,
      detail: `warned at ${spent.budget.warnSteps} of ${spent.budget.steps} steps over ${spent.seeds} seeds, blocked ${spent.gates['slo-gate'].falseBlocks.worst} min on the worst seed`,
    });
  }
  const low = aggregates.find((a) => a.scenario.name === 'low-budget-incident' && a.rps === a.scenario.rps);
  if (low) {
    checks.push({
      claim: 'slo-gate warns of the low budget throughout the incident-on-a-low-budget replay',
      pass: low.budget.warnSteps === low.budget.steps,
      detail: `warned at ${low.budget.warnSteps} of ${low.budget.steps} steps; budget left ${percent(low.budget.lowest)} to ${percent(low.budget.highest)}`,
    });
  }
  checks.push({
    claim: 'the pure replay reaches the same verdict as `backtest()` against a real Prometheus, step by step',
    pass: cross.steps > 0 && cross.agreed === cross.steps,
    detail: `${cross.agreed} of ${cross.steps} steps agree over ${cross.scenarios.length} noiseless scenarios (${cross.scenarios.join(', ')})${cross.differences.length > 0 ? `; first differences: ${cross.differences.join('; ')}` : ''}`,
  });
  return checks;
}

function percent(fraction: number | undefined): string {
  return fraction === undefined ? 'n/a' : `${(fraction * 100).toFixed(1)} %`;
}
