import { stepTimes, type RangeSource, type TimeRange } from '../../src/metrics/range-source.js';

/**
 * A RangeSource that answers from a function and records every query it was sent. The function
 * gets the query and a step's time (Unix seconds) and returns the sample, undefined for no sample
 * at that step, or an Error for the whole query to throw (a QueryError for a failed read).
 */
export class FakeRangeSource implements RangeSource {
  readonly queries: string[] = [];
  readonly ranges: TimeRange[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly answer: (query: string, at: number) => number | undefined | Error) {}

  async queryRange(query: string, range: TimeRange): Promise<Map<number, number>> {
    this.queries.push(query);
    this.ranges.push(range);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await Promise.resolve();
      const samples = new Map<number, number>();
      for (const at of stepTimes(range)) {
        const value = this.answer(query, at);
        if (value instanceof Error) throw value;
        if (value !== undefined) samples.set(at, value);
      }
      return samples;
    } finally {
      this.inFlight--;
    }
  }
}
