import { ByteLru, sizeOf } from './byte-lru.js';
import { JOB_ATTEMPTS, JOB_BACKOFF_MS, type Job, type JobHandler, type JobQueue, type Store } from './store.js';

/** Bytes the in-memory store keeps at most (an estimate from its keys and values), so a long-running replica's memory stays bounded. */
export const MEMORY_STORE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * How the budget is shared. Each class has its own least-recently-used budget, so a flood of
 * delivery claims (every webhook, ignored ones too) or of cached query answers never pushes out
 * gate state: a pull request's newest head, its status memo.
 */
const SHARES = { values: 0.5, cache: 0.25, claims: 0.25 } as const;

export interface MemoryStoreOptions {
  backoffMs?: number;
  /** The whole budget in bytes, shared between values, the query cache and claims. */
  maxBytes?: number;
}

/** State for a single replica: everything lives in this process and is lost with it. */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const maxBytes = options.maxBytes ?? MEMORY_STORE_MAX_BYTES;
  const values = new ByteLru(maxBytes * SHARES.values);
  const cache = new ByteLru(maxBytes * SHARES.cache);
  const claims = new ByteLru(maxBytes * SHARES.claims);
  const computing = new Map<string, Promise<string>>();
  const locks = new Map<string, Promise<unknown>>();
  const jobs = createMemoryQueue(options.backoffMs ?? JOB_BACKOFF_MS);

  return {
    async claimOnce(id, ttlMs) {
      if (claims.get(id) !== undefined) return false;
      // A claim too large to remember is still processed: at least once beats never.
      claims.set(id, '1', ttlMs);
      return true;
    },
    async release(id) {
      claims.delete(id);
    },
    async withLock(key, work) {
      const previous = locks.get(key) ?? Promise.resolve();
      const run = previous.catch(() => undefined).then(work);
      const tail = run.catch(() => undefined);
      locks.set(key, tail);
      void tail.then(() => {
        if (locks.get(key) === tail) locks.delete(key);
      });
      return run;
    },
    async get(key) {
      return values.get(key);
    },
    async set(key, value, ttlMs) {
      if (!values.set(key, value, ttlMs)) {
        throw new RangeError(
          `cannot keep "${key.slice(0, 80)}": about ${sizeOf(key, value)} bytes, more than the ${values.maxBytes} bytes the store keeps for values`,
        );
      }
    },
    async cached(key, ttlMs, compute) {
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      let pending = computing.get(key);
      if (!pending) {
        pending = compute()
          .then((value) => (cache.set(key, value, ttlMs), value)) // too large to cache: served once, not kept
          .finally(() => computing.delete(key));
        computing.set(key, pending);
      }
      return pending;
    },
    jobs,
    async ping() {},
    async close() {
      jobs.stop();
      values.clear();
      cache.clear();
      claims.clear();
    },
  };
}

function createMemoryQueue(backoffMs: number): JobQueue & { stop(): void } {
  const timers = new Map<string, NodeJS.Timeout>();
  /** Due jobs that wait for `process` to be called, or for the running job with their id to finish (as with Redis). */
  const due = new Map<string, { job: Job; attempt: number }>();
  const running = new Set<string>();
  let handlers: Record<string, JobHandler> | undefined;
  let onError: (job: Job, error: unknown) => void = () => {};
  let stopped = false;

  const run = async (job: Job, attempt: number, jobHandlers: Record<string, JobHandler>) => {
    running.add(job.id);
    try {
      const handler = jobHandlers[job.kind];
      if (!handler)
        throw new Error(`no handler for job kind "${job.kind}" (job ${job.id}); this replica handles: ${Object.keys(jobHandlers).join(', ') || 'none'}`);
      await handler(job);
    } catch (error) {
      // Rescheduled (or cancelled and rescheduled) while it ran: the new one replaces the retry.
      if (attempt < JOB_ATTEMPTS && !timers.has(job.id) && !due.has(job.id) && !stopped) start(job, backoffMs * 2 ** (attempt - 1), attempt + 1);
      onError(job, error);
    } finally {
      running.delete(job.id);
      const next = due.get(job.id);
      if (next && handlers && !stopped) {
        due.delete(job.id);
        void run(next.job, next.attempt, handlers);
      }
    }
  };

  const start = (job: Job, delayMs: number, attempt: number) => {
    clearTimeout(timers.get(job.id));
    due.delete(job.id);
    const timer = setTimeout(() => {
      timers.delete(job.id);
      if (handlers && !running.has(job.id)) void run(job, attempt, handlers);
      else due.set(job.id, { job, attempt });
    }, delayMs);
    timer.unref();
    timers.set(job.id, timer);
  };

  return {
    async schedule(job, delayMs) {
      if (stopped) throw new Error(`cannot schedule job ${job.id}: the store is closed`);
      // A copy, as Redis would store: later changes to the caller's object do not leak into the job.
      start(structuredClone(job), Math.max(0, delayMs), 1);
    },
    async cancel(id) {
      clearTimeout(timers.get(id));
      timers.delete(id);
      due.delete(id);
    },
    async pending() {
      return timers.size + due.size;
    },
    process(jobHandlers, errorHandler) {
      handlers = jobHandlers;
      onError = errorHandler;
      for (const [id, { job, attempt }] of due) {
        due.delete(id);
        void run(job, attempt, jobHandlers);
      }
    },
    stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      due.clear();
    },
  };
}
