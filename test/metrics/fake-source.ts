import type { MetricsSource } from '../../src/metrics/source.js';

/**
 * A MetricsSource that answers from a function and records every query it was sent.
 * The function returns the sample, or an error to throw (a QueryError for a failed read).
 */
export class FakeSource implements MetricsSource {
  readonly queries: string[] = [];
  readonly times: Array<Date | undefined> = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly answer: (query: string) => number | Error) {}

  async queryScalar(query: string, at?: Date): Promise<number> {
    this.queries.push(query);
    this.times.push(at);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await Promise.resolve();
      const value = this.answer(query);
      if (value instanceof Error) throw value;
      return value;
    } finally {
      this.inFlight--;
    }
  }
}
