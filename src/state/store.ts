/**
 * Runtime state that must outlive one webhook and, with several replicas, be shared by all of
 * them. One interface, two implementations: in memory (one replica, the default) and Redis
 * (`SLO_GATE_REDIS_URL`, else `REDIS_URL`). Nothing here knows about pull requests: keys are
 * opaque strings, jobs carry JSON, so other long-lived work (deployments waiting for a budget to
 * recover) can use it too.
 */
export interface Store {
  /** Remembers an id for `ttlMs`; true the first time, false while it is remembered (webhook redeliveries). */
  claimOnce(id: string, ttlMs: number): Promise<boolean>;
  /** Forgets a claim, so a delivery whose processing failed can be processed when GitHub redelivers it. */
  release(id: string): Promise<void>;

  /** Runs `work` while no other holder of `key`, in this process or another replica, runs. */
  withLock<T>(key: string, work: () => Promise<T>): Promise<T>;

  /** Small values with a time to live: the last status written, a pull request's newest head. */
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;

  /**
   * The value cached under `key`, or `compute()`'s, stored for `ttlMs`. Callers asking for the same
   * key while it is being computed share one computation, on whichever replica (Redis) it runs: the
   * others wait for its value a bounded time (COMPUTE_CLAIM_MS), then compute it themselves. A
   * rejected computation is not cached: its own callers get the rejection, and a caller waiting on
   * another replica computes instead.
   */
  cached(key: string, ttlMs: number, compute: () => Promise<string>): Promise<string>;

  /** Delayed jobs: at most one per id, run once by one replica, surviving the loss of a replica (Redis). */
  readonly jobs: JobQueue;

  /** Throws when the backing service cannot be reached (`/readyz`). */
  ping(): Promise<void>;
  /** Stops taking jobs, lets running ones finish, and lets go of connections; idempotent. */
  close(): Promise<void>;
}

export interface Job {
  /** One job per id: scheduling an id again replaces the pending one. */
  id: string;
  /** Which handler runs it, e.g. `recheck`. */
  kind: string;
  data: Record<string, unknown>;
}

export type JobHandler = (job: Job) => Promise<void>;

export interface JobQueue {
  /**
   * Runs the job after `delayMs`, replacing a pending job with the same id. When that id's job is
   * running right now, the new one is queued behind it and runs after it (a job may reschedule itself).
   */
  schedule(job: Job, delayMs: number): Promise<void>;
  /** Drops the pending job with this id; a run already under way finishes. */
  cancel(id: string): Promise<void>;
  /** Pending (delayed or waiting) jobs, for `/metrics`; a run queued behind a running job is not counted. */
  pending(): Promise<number>;
  /**
   * Starts running due jobs with the handler for their kind. A handler that throws is reported to
   * `onError` and tried again, up to `JOB_ATTEMPTS` times, with exponential backoff from `JOB_BACKOFF_MS`.
   */
  process(handlers: Record<string, JobHandler>, onError: (job: Job, error: unknown) => void): void;
}

export const JOB_ATTEMPTS = 5;
export const JOB_BACKOFF_MS = 30_000;
