import pLimit, { type LimitFunction } from 'p-limit';

/**
 * Work in flight in one process (webhook handlers and jobs), default. A handler in flight holds its
 * payload, an Octokit and its sockets; a burst of 600 deliveries held about 425 of them at once
 * (each webhook answered `202` after GitHub's 10 s and went on running), near 200 MB.
 */
export const WORK_IN_FLIGHT = 24;

/**
 * At most this share of the slots goes to one installation (its work waits for its own turn first),
 * so a burst in one organisation never queues another's events behind it. GitHub spaces an
 * installation's writes 1 s apart anyway: a few evaluations at once keep its write queue full.
 */
export const INSTALLATION_SHARE = 4;

export interface WorkSlots {
  /**
   * Runs `work` now when a slot is free for `installation` and nothing waits for one. Otherwise
   * runs `queue`, which puts the work in the store as a job (quick: one write), so the webhook is
   * answered at once and the job waits for a slot like every job. A `queue` that fails (the store
   * is unavailable) falls back to waiting for a slot: the work is done late rather than lost.
   */
  admit(installation: number | undefined, work: () => Promise<void>, queue: () => Promise<void>): Promise<void>;
  /** Runs `work` once a slot is free, after the work of its installation already waiting. */
  wait<T>(installation: number | undefined, work: () => Promise<T>): Promise<T>;
  readonly running: number;
  readonly waiting: number;
}

export function workSlots(limit = WORK_IN_FLIGHT, onQueued: () => void = () => {}): WorkSlots {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`work in flight: a whole number of at least 1, not ${limit}`);
  const all = pLimit(limit);
  const perInstallation = Math.max(1, Math.floor(limit / INSTALLATION_SHARE));
  /** One limiter per installation with work running or waiting (`calls`), dropped when it has none. */
  const installations = new Map<number, { limiter: LimitFunction; calls: number }>();
  let waitingForOwnTurn = 0;

  const busy = (limiter: LimitFunction, size: number) => limiter.activeCount + limiter.pendingCount >= size;
  const wait = async <T>(installation: number | undefined, work: () => Promise<T>): Promise<T> => {
    if (installation === undefined) return all(work);
    let own = installations.get(installation);
    if (!own) installations.set(installation, (own = { limiter: pLimit(perInstallation), calls: 0 }));
    own.calls++;
    waitingForOwnTurn++;
    let started = false;
    try {
      return await own.limiter(() => {
        started = true;
        waitingForOwnTurn--;
        return all(work);
      });
    } finally {
      if (!started) waitingForOwnTurn--;
      if (--own.calls === 0) installations.delete(installation);
    }
  };

  return {
    async admit(installation, work, queue) {
      const own = installation === undefined ? undefined : installations.get(installation)?.limiter;
      if (!busy(all, limit) && !(own && busy(own, perInstallation))) return wait(installation, work);
      try {
        await queue();
        onQueued();
      } catch {
        return wait(installation, work);
      }
    },
    wait,
    get running() {
      return all.activeCount;
    },
    get waiting() {
      return all.pendingCount + waitingForOwnTurn;
    },
  };
}
