import pLimit from 'p-limit';
import { QueryError } from '../errors.js';
import { parseSampleValue } from '../metrics/sample-value.js';
import type { RangeSource } from '../metrics/range-source.js';
import type { Store } from '../state/store.js';

/**
 * The details pages' range queries: at most `maxInFlight` at once from this process (apart from
 * the gate's own limit, so pages cannot starve gating), and each answer shared through the store
 * for `ttlMs` by every page and replica asking the same query over the same range. Failures are
 * not cached. Samples are kept as Prometheus text, so NaN and ±Inf survive.
 */
export function cachedRangeSource(source: RangeSource, store: Store, ttlMs: number, maxInFlight: number): RangeSource {
  const limit = pLimit(maxInFlight);
  return {
    async queryRange(query, range) {
      const key = `range:${range.start.getTime()}:${range.end.getTime()}:${range.stepSeconds}:${query}`;
      const ask = async () => {
        const samples = await limit(() => source.queryRange(query, range));
        return JSON.stringify([...samples].map(([at, value]) => [at, String(value)]));
      };
      const text = ttlMs > 0 ? await store.cached(key, ttlMs, ask) : await ask();
      return parse(text, query);
    },
  };
}

function parse(text: string, query: string): Map<number, number> {
  const samples = new Map<number, number>();
  const json: unknown = JSON.parse(text);
  if (!Array.isArray(json)) throw new QueryError('has a cached range answer that is not a list: the shared store holds something else under its key', query);
  for (const pair of json) {
    const value = Array.isArray(pair) ? parseSampleValue(pair[1]) : undefined;
    if (!Array.isArray(pair) || typeof pair[0] !== 'number' || value === undefined) {
      throw new QueryError('has a cached range answer that is not samples: the shared store holds something else under its key', query);
    }
    samples.set(pair[0], value);
  }
  return samples;
}
