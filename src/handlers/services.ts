import type { Annotation } from '../integrations/grafana.js';
import type { Octokit } from '../github/pull-request.js';
import type { RangeSource } from '../metrics/range-source.js';
import type { MetricsSource } from '../metrics/source.js';
import type { RateLimitWatcher } from '../org/rate-limit.js';
import type { DetailsLinks } from '../details/link.js';
import type { Store } from '../state/store.js';
import type { Telemetry } from '../telemetry.js';

/** What every handler shares: the metrics source (already cached), the store, the counters, the timings. */
export interface GateServices {
  metrics: MetricsSource;
  store: Store;
  telemetry: Telemetry;
  recheckIntervalMs: number;
  /** First wait before failed work is tried again (doubled per failure in a row, capped); 30 s outside tests. */
  retryBaseMs: number;
  /** An evaluation that takes longer ends in an `error` status naming the deadline. */
  evaluationDeadlineMs: number;
  /** 0..1, for re-check jitter; Math.random outside tests. */
  random: () => number;
  /**
   * An Octokit for the installation (Probot caches its token). Handlers write through this rather
   * than `context.octokit`: Probot's throttling spaces writes per Octokit id, and a webhook's
   * Octokit has none, so every installation's writes would share one queue of 1 write/s.
   */
  auth: (installationId: number) => Promise<Octokit>;
  /** The clock, read only at the edges (deadlines of waiting deployments, verification offsets); Date.now outside tests. */
  now: () => number;
  /** Marks a moment on the operator's dashboards (Grafana); never throws, absent when not configured. */
  annotate?: (annotation: Annotation) => Promise<void>;
  /** This app's own bot login (`<slug>[bot]`), so only our own summary comment is ever edited. */
  botLogin: () => Promise<string>;
  /** This app's id, so only our own check runs are updated or re-run (`report: check-run`); absent: check runs cannot be written. */
  appId?: () => Promise<number>;
  /** GitHub's request budget per installation, from its answers; absent: never considered low. */
  rateLimits?: RateLimitWatcher;
  /** How long a repository's policy is reused without reading it again (src/org/policy-cache.ts); 0: never reused. */
  policyCacheTtlMs?: number;
  /** false: every blocked pull request keeps its own re-check (the path before gate groups); default true. */
  gateGroups?: boolean;
  /** Range queries to the metrics server, for the policy preview's backtest; absent: the preview has no backtest. */
  rangeMetrics?: RangeSource;
  /** Details links (PUBLIC_URL set, src/details): a status's target_url and the comment's link; absent: none. */
  details?: DetailsLinks;
}
