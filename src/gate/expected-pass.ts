import { parseDuration } from '../policy/duration.js';
import { forecastBlocks } from './forecast.js';
import { budgetRecoveryMs } from './recovery.js';
import type { Assessment, ExpectedPass, SloResult } from './types.js';

/**
 * Roughly how long until a blocked change would pass, or undefined when there is no estimate.
 * Every blocker must clear, so it is the longest of:
 * - a firing rule: its short window, the time it takes to hold no errors if they stopped now;
 * - a spent, frozen or restricted budget: the time to climb back over the tier's threshold at the
 *   current error rate (budgetRecoveryMs);
 * - a forecast block: the time until the current-burn window has let go of enough of today's
 *   errors for the projection to clear, if they stopped now.
 * Missing data, or a budget that is not recovering, gives no estimate. Pure.
 */
export function expectedPass(assessment: Assessment): ExpectedPass | undefined {
  if (assessment.state !== 'block') return undefined;
  let longest: ExpectedPass = { inMs: 0, basis: 'errors stop' };
  for (const result of assessment.slos) {
    if (result.state !== 'block') continue;
    for (const wait of waitsOf(result)) {
      if (wait.inMs === undefined) return undefined;
      if (wait.inMs > longest.inMs) longest = { inMs: wait.inMs, basis: wait.basis };
    }
  }
  return longest;
}

function waitsOf(result: SloResult): Array<{ inMs: number | undefined; basis: ExpectedPass['basis'] }> {
  const waits = result.rules
    .filter((r) => r.state === 'fires')
    .map((r): { inMs: number | undefined; basis: ExpectedPass['basis'] } => ({ inMs: parseDuration(r.rule.short), basis: 'errors stop' }));
  const { budget } = result;
  if (budget.state === 'exhausted' || budget.state === 'frozen' || (budget.state === 'restricted' && !result.allowedBy)) {
    waits.push({ inMs: budgetRecoveryMs(result), basis: 'budget recovers' });
  }
  if (forecastBlocks(result.budget, result.forecast)) waits.push({ inMs: forecastClearsInMs(result), basis: 'errors stop' });
  return waits;
}

/**
 * If errors stopped now, the current-burn window drains linearly (taking its errors as spread
 * evenly over it) until the projection stays above blockBelow: the burn that allows it is
 * average + (left − blockBelow) × period / horizon.
 */
function forecastClearsInMs({ budget, forecast, slo }: SloResult): number | undefined {
  const windowMs = forecast ? parseDuration(forecast.window) : undefined;
  const periodMs = parseDuration(slo.period);
  if (!forecast || windowMs === undefined || periodMs === undefined || forecast.horizonMs === undefined || budget.left === undefined) return undefined;
  const allowed = forecast.averageBurn + ((budget.left - budget.blockBelow / 100) * periodMs) / forecast.horizonMs;
  if (!(forecast.currentBurn > 0)) return 0;
  return Math.min(windowMs, Math.max(0, windowMs * (1 - allowed / forecast.currentBurn)));
}
