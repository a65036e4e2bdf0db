/** A span of time sampled every `stepSeconds`: at start, start + step, ... up to and including end. */
export interface TimeRange {
  start: Date;
  end: Date;
  stepSeconds: number;
}

/**
 * Anything that answers PromQL range queries with one series: Prometheus or a fake in tests.
 * Implementations throw QueryError when the answer is not at most one series; no series at all
 * is an empty map (every step missing), not an error.
 */
export interface RangeSource {
  /** The one series' samples, keyed by the step's Unix time in seconds (as `stepTimes` gives it). */
  queryRange(query: string, range: TimeRange): Promise<Map<number, number>>;
}

/** The step in whole milliseconds, the resolution Prometheus evaluates at. */
export function stepMillis(range: TimeRange): number {
  return Math.round(range.stepSeconds * 1000);
}

/**
 * Every step of a range, in Unix seconds, oldest first. Steps are whole milliseconds apart,
 * as Prometheus evaluates them, so each key reads back exactly from the server's timestamps.
 */
export function stepTimes(range: TimeRange): number[] {
  const start = range.start.getTime();
  const end = range.end.getTime();
  const step = stepMillis(range);
  if (!(step > 0) || !Number.isFinite(start) || !Number.isFinite(end) || end < start) {
    throw new RangeError(`not a time range: from ${start} ms to ${end} ms every ${range.stepSeconds} s`);
  }
  const times: number[] = [];
  for (let t = start; t <= end; t += step) times.push(t / 1000);
  return times;
}
