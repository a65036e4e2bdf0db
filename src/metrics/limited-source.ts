import pLimit from 'p-limit';
import type { MetricsSource } from './source.js';

/**
 * Caps the queries in flight to the metrics server across the whole process. Each evaluation
 * already caps its own; without this a burst of evaluations with the cache off sent over 200 at
 * once (bench/load.ts) and pushed the app past 200 MB.
 */
export function limitedSource(source: MetricsSource, maxInFlight: number): MetricsSource {
  const limit = pLimit(maxInFlight);
  return { queryScalar: (query, at) => limit(() => source.queryScalar(query, at)) };
}
