import { QueryError } from '../../src/errors.js';
import type { MetricsSource } from '../../src/metrics/source.js';

/**
 * A metrics source for policies whose SLI is `errorRatioQuery: ratio[{{.window}}]`:
 * answers each window's error ratio from a table, or fails the way Prometheus can.
 */
export function fakeMetrics(byWindow: Record<string, number | Error>): MetricsSource & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    async queryScalar(query) {
      queries.push(query);
      const window = /\[([^\]]+)\]/.exec(query)?.[1] ?? '';
      const answer = byWindow[window];
      if (answer === undefined) throw new QueryError('returned no series', query);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

/** 0.05% errors everywhere: burn 0.5, half the budget left. */
export const HEALTHY = { '1h': 0.0005, '5m': 0.0005, '6h': 0.0005, '30m': 0.0005, '30d': 0.0005 };
/** 2.13% over 1h and 1.89% over 5m: the fast rule (14.4×) fires; 28% of the budget left. */
export const FAST_BURN = { '1h': 0.0213, '5m': 0.0189, '6h': 0.0041, '30m': 0.0189, '30d': 0.00072 };
