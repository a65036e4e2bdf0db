import { JOB_ATTEMPTS, JOB_BACKOFF_MS, type Job, type JobHandler, type JobQueue, type Store } from './store.js';

/** Entries kept at most, so a long-running replica's memory stays bounded. */
const MAX_ENTRIES = 50_000;

/** State for a single replica: everything lives in this process and is lost with it. */
export function createMemoryStore(options: { backoffMs?: number } = {}): Store {
  const values = new Map<string, { value: string; expires: number }>();
  const computing = new Map<string, Promise<string>>();
  const locks = new Map<string, Promise<unknown>>();
  const jobs = createMemoryQueue(options.backoffMs ?? JOB_BACKOFF_MS);

  const read = (key: string) => {
    const entry = values.get(key);
    if (entry && entry.expires > Date.now()) return entry.value;
    if (entry) values.delete(key);
    return undefined;
  };
  const write = (key: string, value: string, ttlMs: number) => {
    values.delete(key); // re-insert so Map order is oldest-first for eviction
    values.set(key, { value, expires: Date.now() + ttlMs });
    if (values.size > MAX_ENTRIES) values.delete(values.keys().next().value!);
  };

  return {
    async claimOnce(id, ttlMs) {
      if (read(`claim:${id}`) !== undefined) return false;
      write(`claim:${id}`, '1', ttlMs);
      return true;
    },
    async release(id) {
      values.delete(`claim:${id}`);
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
      return read(`value:${key}`);
    },
    async set(key, value, ttlMs) {
      write(`value:${key}`, value, ttlMs);
    },
    async cached(key, ttlMs, compute) {
      const hit = read(`cache:${key}`);
      if (hit !== undefined) return hit;
      let pending = computing.get(key);
      if (!pending) {
        pending = compute()
          .then((value) => (write(`cache:${key}`, value, ttlMs), value))
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
