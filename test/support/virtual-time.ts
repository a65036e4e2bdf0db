import type { Job, JobQueue, Store } from '../../src/state/store.js';

/**
 * A clock the test moves by hand, and a store whose delayed jobs wait for that clock instead of
 * real time: a deployment waiting two hours, or a verification due 15 minutes after a deploy, runs
 * when the test calls `advance`, in milliseconds of real time. Jobs due at once (delay 0) run at
 * once, as with the store underneath. Everything else about the store (claims, locks, values and
 * their real-time TTLs) is the store's own.
 */
export interface VirtualTime {
  /** The app's clock (AppDependencies.now). */
  now: () => number;
  /** The store to give the app: its delayed jobs wait for `advance`. */
  store: Store;
  /** Moves the clock on and starts every job that is due by then, earliest first. */
  advance(ms: number): Promise<void>;
  /** Jobs waiting for the clock, with how long after now each is due (ms). */
  waiting(): Array<{ id: string; kind: string; inMs: number }>;
}

export function virtualTime(store: Store, start: number): VirtualTime {
  let current = start;
  const waiting = new Map<string, { job: Job; dueAt: number }>();
  const jobs: JobQueue = {
    async schedule(job, delayMs) {
      if (delayMs <= 0) {
        waiting.delete(job.id);
        return store.jobs.schedule(job, 0);
      }
      await store.jobs.cancel(job.id); // one pending job per id: this one replaces any other
      waiting.set(job.id, { job: structuredClone(job), dueAt: current + delayMs });
    },
    async cancel(id) {
      waiting.delete(id);
      await store.jobs.cancel(id);
    },
    async pending() {
      return waiting.size + (await store.jobs.pending());
    },
    process: (handlers, onError) => store.jobs.process(handlers, onError),
  };
  return {
    now: () => current,
    store: { ...store, jobs },
    async advance(ms) {
      current += ms;
      const due = [...waiting.values()].filter((w) => w.dueAt <= current).sort((a, b) => a.dueAt - b.dueAt);
      for (const { job } of due) {
        waiting.delete(job.id);
        await store.jobs.schedule(job, 0);
      }
    },
    waiting: () => [...waiting.values()].map(({ job, dueAt }) => ({ id: job.id, kind: job.kind, inMs: dueAt - current })),
  };
}
