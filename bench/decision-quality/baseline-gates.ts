/**
 * The gates slo-gate is compared with, as a team would write them without it. Pure: each takes
 * one window's error ratio at every step and says, step by step, whether it would block. They are
 * benchmark baselines, not product code.
 */
import { exceeds } from '../../src/gate/math.js';

/** What a gate said at one step: a step without a sample is `no data` (a CI script would pass or crash). */
export type StepVerdict = 'blocked' | 'open' | 'no data';

/** The "error rate above the SLO's allowed rate over 5m" alert turned into a gate. */
export const STATIC_WINDOW = '5m';
/** How long the static threshold must hold before the `for: 5m` variant blocks, in 1-minute evaluations. */
export const FOR_MINUTES = 5;

/** The "curl Prometheus, compare, exit 1" CI step: the 1h burn rate over 10. */
export const SINGLE_WINDOW = '1h';
export const SINGLE_WINDOW_FACTOR = 10;

/** Blocks while the 5m error ratio is above the allowed ratio. */
export function staticThresholdGate(ratio5m: readonly (number | undefined)[], allowedRatio: number): StepVerdict[] {
  return ratio5m.map((ratio) => above(ratio, allowedRatio));
}

/**
 * The same threshold as a Prometheus alert with `for: 5m`, evaluated every minute: pending at the
 * first step above, firing once it has stayed above for 5 more minutes (6 evaluations in a row).
 * `before` holds the verdicts of the 5 steps before the first one, so a replay does not start cold.
 */
export function staticForGate(ratio5m: readonly (number | undefined)[], allowedRatio: number, before: readonly (number | undefined)[] = []): StepVerdict[] {
  const raw = staticThresholdGate([...before, ...ratio5m], allowedRatio);
  let run = 0;
  const held = raw.map((verdict) => {
    if (verdict === 'no data') {
      run = 0;
      return verdict;
    }
    run = verdict === 'blocked' ? run + 1 : 0;
    return run > FOR_MINUTES ? 'blocked' : 'open';
  });
  return held.slice(before.length);
}

/** Blocks while the 1h burn rate is above 10. */
export function singleWindowGate(ratio1h: readonly (number | undefined)[], allowedRatio: number): StepVerdict[] {
  return ratio1h.map((ratio) => above(ratio === undefined ? undefined : ratio / allowedRatio, SINGLE_WINDOW_FACTOR));
}

/**
 * Blocked when the value exceeds the limit, with the relative tolerance slo-gate uses, so exactly
 * at the limit passes in every gate. NaN (0 / 0: no traffic) passes, as `NaN > x` does in a script.
 */
function above(value: number | undefined, limit: number): StepVerdict {
  if (value === undefined) return 'no data';
  return !Number.isNaN(value) && exceeds(value, limit) ? 'blocked' : 'open';
}
