import pLimit from 'p-limit';
import { QueryError } from '../errors.js';
import { EVALUATION_ENDED, type MetricsSource } from './source.js';

/**
 * Caps the queries in flight to the metrics server across the whole process. Each evaluation
 * already caps its own; without this a burst of evaluations with the cache off sent over 200 at
 * once (bench/load.ts) and pushed the app past 200 MB.
 */
export function limitedSource(source: MetricsSource, maxInFlight: number): MetricsSource {
  const limit = pLimit(maxInFlight);
  return {
    // A query whose evaluation ran out of time while it waited here is not sent.
    queryScalar: (query, at, signal) =>
      limit(() => (signal?.aborted ? Promise.reject(new QueryError(EVALUATION_ENDED, query)) : source.queryScalar(query, at, signal))),
  };
}
