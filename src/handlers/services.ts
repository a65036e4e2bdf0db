import type { Octokit } from '../github/pull-request.js';
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
  /**
   * An Octokit for the installation (Probot caches its token). Handlers write through this rather
   * than `context.octokit`: Probot's throttling spaces writes per Octokit id, and a webhook's
   * Octokit has none, so every installation's writes would share one queue of 1 write/s.
   */
  auth: (installationId: number) => Promise<Octokit>;
}
