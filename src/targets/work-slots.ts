import pLimit from 'p-limit';

/**
 * Work in flight in one process (webhook handlers and jobs), default. A handler in flight holds its
 * payload, an Octokit and its sockets; a burst of 600 deliveries held about 425 of them at once
 * (each webhook answered `202` after GitHub's 10 s and went on running), near 200 MB.
 */
export const WORK_IN_FLIGHT = 24;

export interface WorkSlots {
  /**
   * Runs `work` now when a slot is free and nothing waits for one. Otherwise runs `queue`, which
   * puts the work in the store as a job (quick: one write), so the webhook is answered at once
   * and the job waits for a slot like every job. A `queue` that fails (the store is unavailable)
   * falls back to waiting for a slot: the work is done late rather than lost.
   */
  admit(work: () => Promise<void>, queue: () => Promise<void>): Promise<void>;
  /** Runs `work` once a slot is free, after everything already waiting. */
  wait<T>(work: () => Promise<T>): Promise<T>;
  readonly running: number;
  readonly waiting: number;
}

export function workSlots(limit = WORK_IN_FLIGHT, onQueued: () => void = () => {}): WorkSlots {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`work in flight: a whole number of at least 1, not ${limit}`);
  const run = pLimit(limit);
  return {
    async admit(work, queue) {
      if (run.activeCount + run.pendingCount < limit) return run(work);
      try {
        await queue();
        onQueued();
      } catch {
        return run(work);
      }
    },
    wait: (work) => run(work),
    get running() {
      return run.activeCount;
    },
    get waiting() {
      return run.pendingCount;
    },
  };
}
