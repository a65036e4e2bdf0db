import { decide } from '../gate/decide.js';
import type { Readings } from '../gate/types.js';
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

/** The timeline, and whether the metrics answered at all: what the verdicts alone cannot tell under `onMissingData: allow`. */
export interface Backtest extends Timeline {
  /** Steps at which at least one window of one SLO was measured (no traffic counts as measured). */
  stepsWithData: number;
  /** The first reason, in step order, that a window had no data, e.g. `checkout: errorQuery cannot reach …`; undefined when none lacked any. */
  firstMissing: string | undefined;
}

/**
 * When would this policy have blocked? Replays the gate at every step of the range, as if
 * `mode: enforce` (warn mode is how a policy is tried out, and the question is what enforcing it
 * would do) and without bypass labels (they belong to a pull request, not to a moment). A change
 * freeze (`freeze:`) in force at a step blocks that step.
 */
export async function backtest({ policy, source, range, concurrency }: BacktestRun): Promise<Backtest> {
  const measured = await measureRange(policy, source, range, { concurrency });
  const enforced: Policy = { ...policy, mode: 'enforce' };
  const data = { steps: 0, firstMissing: undefined as string | undefined };
  const timeline = buildTimeline(verdicts(measured, enforced, data), range.end.getTime() / 1000);
  return { ...timeline, stepsWithData: data.steps, firstMissing: data.firstMissing };
}

function* verdicts(measured: RangeReadings, policy: Policy, data: { steps: number; firstMissing: string | undefined }) {
  for (const [at, readings] of measured) {
    if (hasData(readings)) data.steps++;
    data.firstMissing ??= firstMissing(readings);
    yield [at, decide(policy, readings, [], [], new Date(at * 1000))] as const;
  }
}

function hasData(readings: Readings): boolean {
  for (const windows of readings.values()) for (const reading of windows.values()) if (reading.ok) return true;
  return false;
}

function firstMissing(readings: Readings): string | undefined {
  for (const [slo, windows] of readings) for (const reading of windows.values()) if (!reading.ok) return `${slo}: ${reading.reason}`;
  return undefined;
}
