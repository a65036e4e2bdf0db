import { decide } from '../gate/decide.js';
import type { RangeSource, TimeRange } from '../metrics/range-source.js';
import type { Policy } from '../policy/schema.js';
import { measureRange, type RangeReadings } from './measure-range.js';
import { buildTimeline, type Timeline } from './timeline.js';

export interface BacktestRun {
  policy: Policy;
  source: RangeSource;
  range: TimeRange;
  /** Range queries in flight at once. */
  concurrency?: number;
}

/**
 * When would this policy have blocked? Replays the gate at every step of the range, as if
 * `mode: enforce` (warn mode is how a policy is tried out, and the question is what enforcing it
 * would do) and without bypass labels (they belong to a pull request, not to a moment).
 */
export async function backtest({ policy, source, range, concurrency }: BacktestRun): Promise<Timeline> {
  const measured = await measureRange(policy, source, range, { concurrency });
  const enforced: Policy = { ...policy, mode: 'enforce' };
  return buildTimeline(verdicts(measured, enforced), range.end.getTime() / 1000);
}

function* verdicts(measured: RangeReadings, policy: Policy) {
  for (const [at, readings] of measured) yield [at, decide(policy, readings)] as const;
}
