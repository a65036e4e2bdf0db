/**
 * SLO arithmetic. Floats are compared with a relative tolerance: 1 - 0.999 is not exactly 0.001,
 * so a burn rate of exactly 14.4 must not "exceed" 14.4 because of rounding.
 */
const EPSILON = 1e-9;

function slack(reference: number): number {
  return EPSILON * Math.max(1, Math.abs(reference));
}

export function exceeds(value: number, limit: number): boolean {
  return value > limit + slack(limit);
}

export function atOrBelow(value: number, limit: number): boolean {
  return value <= limit + slack(limit);
}

export function below(value: number, limit: number): boolean {
  return value < limit - slack(limit);
}

/** Allowed error ratio of an objective in percent: 99.9 -> 0.001. */
export function errorBudget(objectivePercent: number): number {
  return (100 - objectivePercent) / 100;
}

/** How many times faster than sustainable the budget burns. NaN (no traffic) burns nothing. */
export function burnRate(errorRatio: number, objectivePercent: number): number {
  return Number.isNaN(errorRatio) ? 0 : errorRatio / errorBudget(objectivePercent);
}
