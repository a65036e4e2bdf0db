/**
 * The two gates slo-gate is compared with, as a team would write them without it. Pure: each
 * takes one range query's samples and says, step by step, whether it would block. They are
 * benchmark baselines, not product code.
 */
import { exceeds } from '../../src/gate/math.js';

/** What a gate said at one step: a step without a sample is `no data` (a CI script would pass or crash). */
export type StepVerdict = 'blocked' | 'open' | 'no data';

/** The error ratio of one job over a window, as one PromQL expression. */
export function errorRatioQuery(job: string, window: string): string {
  return `sum(rate(http_requests_total{job="${job}",code="500"}[${window}])) / sum(rate(http_requests_total{job="${job}"}[${window}]))`;
}

/** The "error rate above 0.1 % for 5m" alert: the 5m error ratio over the SLO's allowed ratio. */
export const STATIC_WINDOW = '5m';
export function staticThresholdGate(steps: readonly number[], ratio5m: ReadonlyMap<number, number>, allowedRatio: number): StepVerdict[] {
  return steps.map((at) => above(ratio5m.get(at), allowedRatio));
}

/** The "curl Prometheus, compare, exit 1" CI step: the 1h burn rate over 10. */
export const SINGLE_WINDOW = '1h';
export const SINGLE_WINDOW_FACTOR = 10;
export function singleWindowGate(steps: readonly number[], ratio1h: ReadonlyMap<number, number>, allowedRatio: number): StepVerdict[] {
  return steps.map((at) => {
    const ratio = ratio1h.get(at);
    return above(ratio === undefined ? undefined : ratio / allowedRatio, SINGLE_WINDOW_FACTOR);
  });
}

/**
 * Blocked when the value exceeds the limit, with the relative tolerance slo-gate uses, so exactly
 * at the limit passes in all three gates. NaN (0 / 0: no traffic) passes, as `NaN > x` does in a script.
 */
function above(value: number | undefined, limit: number): StepVerdict {
  if (value === undefined) return 'no data';
  return !Number.isNaN(value) && exceeds(value, limit) ? 'blocked' : 'open';
}
