import pLimit from 'p-limit';
import { QueryError } from '../errors.js';
import type { Readings, WindowReading } from '../gate/types.js';
import type { Policy } from '../policy/schema.js';
import { sliQueries, windowsOf, type SliQueries } from '../metrics/promql.js';
import { stepTimes, type RangeSource, type TimeRange } from '../metrics/range-source.js';
import { NO_SAMPLE, readEvents, readRatio, unanswered, windowSeconds, type Answer, type QueryName } from '../metrics/window-reading.js';

export interface MeasureRangeOptions {
  /** Range queries in flight at once against the metrics server. */
  concurrency?: number;
}

/** The readings at every step of a range, built one step at a time as they are iterated. */
export interface RangeReadings extends Iterable<readonly [at: number, readings: Readings]> {
  /** The steps, in Unix seconds, oldest first. */
  readonly steps: readonly number[];
}

/**
 * One range query's samples by step index (`present[i]` is 1 when step i has one), or why it has
 * none. Arrays, not the client's map: 100,000 steps of 8 bytes, and the map can be dropped.
 */
type Series = { ok: true; values: Float64Array; present: Uint8Array } | { ok: false; problem: string };

/**
 * Reads every window every SLO needs at every step of the range, as `measure()` reads them at
 * one instant: the same ratio rules, the same reasons for missing data. Each distinct query is
 * one range query, however many SLOs or rules share it. Never throws for a failed query: every
 * step of it becomes missing data with the reason.
 */
export async function measureRange(policy: Policy, source: RangeSource, range: TimeRange, options: MeasureRangeOptions = {}): Promise<RangeReadings> {
  const steps = stepTimes(range);
  const limit = pLimit(options.concurrency ?? 4);
  const sent = new Map<string, Promise<Series>>();
  const ask = (query: string) => {
    let answer = sent.get(query);
    if (!answer) {
      answer = limit(() => source.queryRange(query, range)).then((samples) => seriesOf(samples, steps), settle);
      sent.set(query, answer);
    }
    return answer;
  };

  const plans = await Promise.all(
    policy.slos.map(async (slo) => {
      const windows = windowsOf(slo, policy.burnRate.rules);
      return [
        slo.name,
        await Promise.all(windows.map(async (window) => [window, await fetchWindow(sliQueries(slo, window), ask, windowSeconds(window))] as const)),
      ] as const;
    }),
  );

  return {
    steps,
    *[Symbol.iterator]() {
      for (const [step, at] of steps.entries()) {
        const readings: Readings = new Map(plans.map(([slo, windows]) => [slo, new Map(windows.map(([window, read]) => [window, read(step)]))]));
        yield [at, readings] as const;
      }
    },
  };
}

/** Sends a window's queries; returns how to read the window at any step (by index). */
async function fetchWindow(
  queries: SliQueries,
  ask: (query: string) => Promise<Series>,
  seconds: number | undefined,
): Promise<(step: number) => WindowReading> {
  if (queries.kind === 'raw') {
    const ratio = await ask(queries.ratio);
    const name = queries.name ?? 'errorRatioQuery';
    return (step) => readRatio(answerAt(name, ratio, step));
  }
  const [errors, total] = await Promise.all([ask(queries.error), ask(queries.total)]);
  return (step) => readEvents(answerAt('errorQuery', errors, step), answerAt('totalQuery', total, step), seconds);
}

function answerAt(name: QueryName, series: Series, step: number): Answer {
  if (!series.ok) return unanswered(name, series.problem);
  return series.present[step] ? { ok: true, value: series.values[step]! } : unanswered(name, NO_SAMPLE);
}

/** Samples at the steps' exact times; any other timestamp the source returned is ignored. */
function seriesOf(samples: ReadonlyMap<number, number>, steps: readonly number[]): Series {
  const values = new Float64Array(steps.length);
  const present = new Uint8Array(steps.length);
  steps.forEach((at, index) => {
    const value = samples.get(at);
    if (value !== undefined) {
      values[index] = value;
      present[index] = 1;
    }
  });
  return { ok: true, values, present };
}

function settle(error: unknown): Series {
  if (!(error instanceof QueryError)) throw error;
  return { ok: false, problem: error.message };
}
