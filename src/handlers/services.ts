import type { MetricsSource } from '../metrics/source.js';
import type { Store } from '../state/store.js';
import type { Telemetry } from '../telemetry.js';

/** What every handler shares: the metrics source (already cached), the store, the counters, the timings. */
export interface GateServices {
  metrics: MetricsSource;
  store: Store;
  telemetry: Telemetry;
  recheckIntervalMs: number;
  /** 0..1, for re-check jitter; Math.random outside tests. */
  random: () => number;
}
