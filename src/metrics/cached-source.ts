import { QueryError } from '../errors.js';
import type { Store } from '../state/store.js';
import { NO_TELEMETRY, type Telemetry } from '../telemetry.js';
import { parseSampleValue } from './sample-value.js';
import { EVALUATION_ENDED, type MetricsSource } from './source.js';

/**
 * Shares Prometheus answers between evaluations: within `ttlMs` the same query (at the same
 * evaluation time) is answered from the store, and identical queries in flight are sent once.
 * Failures are not cached, so a recovered server is seen at once. An evaluation that ran out of
 * time sends nothing new; a shared query it started keeps going for the others that wait for it
 * (its own deadline still bounds it), unless the cache is off and nothing is shared.
 */
export function cachedSource(source: MetricsSource, store: Store, ttlMs: number, telemetry: Telemetry = NO_TELEMETRY): MetricsSource {
  return {
    async queryScalar(query, at, signal) {
      if (signal?.aborted) throw new QueryError(EVALUATION_ENDED, query);
      let asked = false;
      const key = `query:${at ? at.getTime() : 'now'}:${query}`;
      const ask = async () => {
        asked = true;
        try {
          const value = await source.queryScalar(query, at, ttlMs > 0 ? undefined : signal);
          telemetry.queried('ok');
          return String(value); // NaN and ±Infinity survive as text, unlike JSON
        } catch (error) {
          telemetry.queried('error');
          throw error;
        }
      };
      const text = ttlMs > 0 ? await store.cached(key, ttlMs, ask) : await ask();
      if (!asked) telemetry.cacheHit();
      // Read back with the same grammar as a sample: Number('') would be 0, a quiet service.
      const value = parseSampleValue(text);
      if (value === undefined) throw new QueryError('has a cached answer that is not a number: the shared store holds something else under its key', query);
      return value;
    },
  };
}
