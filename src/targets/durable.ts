import type { Logger } from 'probot';
import type { GateServices } from '../handlers/services.js';
import type { Job, JobHandler } from '../state/store.js';
import { attemptOf, withAttempt } from './gate-target.js';
import { retryDelayMs } from './retry.js';

/**
 * How long the safety net waits before it evaluates a target whose webhook work never finished (the
 * replica died, or was stopped mid-evaluation). Longer than a lock wait plus an evaluation deadline,
 * so it does not fire while the work is merely slow.
 */
export const SAFETY_NET_MS = 3 * 60_000;

/**
 * A job that keeps failing is tried again with capped backoff for this many attempts in a row
 * (at the 10 min cap: about a week) before it is given up, loudly.
 */
export const MAX_ATTEMPTS = 1000;

/**
 * Runs webhook work so that it cannot be lost: the target's re-check job is in the store before the
 * work starts, so whatever happens to this process (a crash, SIGTERM, a lock timeout, a failed
 * `app.auth()`), some replica evaluates the target again. The work itself replaces or cancels
 * that job when it finishes; a failure reschedules it with backoff.
 */
export async function durably<T>(services: Pick<GateServices, 'store' | 'retryBaseMs'>, job: Job, work: () => Promise<T>): Promise<T> {
  await services.store.jobs.schedule(job, SAFETY_NET_MS);
  try {
    return await work();
  } catch (error) {
    await services.store.jobs.schedule(withAttempt(job, 1), retryDelayMs(error, 1, { baseMs: services.retryBaseMs }));
    throw error;
  }
}

/** A job whose data can never be run (malformed, or its target is gone): dropped, not retried. */
export class DropJob extends Error {
  override name = 'DropJob';
}

/**
 * Wraps job handlers so a failing job is never dropped: it is rescheduled under its own id with
 * capped exponential backoff (honouring GitHub's `retry-after`), attempt after attempt, until it
 * succeeds, its handler decides there is nothing left to do, or it throws DropJob.
 */
export function neverDropped(
  handlers: Record<string, JobHandler>,
  services: Pick<GateServices, 'store' | 'retryBaseMs'>,
  log: Logger,
): Record<string, JobHandler> {
  return Object.fromEntries(
    Object.entries(handlers).map(([kind, handler]) => [
      kind,
      async (job: Job) => {
        try {
          await handler(job);
        } catch (error) {
          if (error instanceof DropJob) return void log.warn({ job: job.id, reason: error.message }, 'job dropped');
          const attempt = attemptOf(job) + 1;
          if (attempt > MAX_ATTEMPTS) return void log.error({ err: error, job: job.id, attempts: attempt - 1 }, 'job gave up after failing too often');
          const delay = retryDelayMs(error, attempt, { baseMs: services.retryBaseMs });
          // If even this fails (the store is down), the store's own retries take over.
          await services.store.jobs.schedule(withAttempt(job, attempt), delay);
          log.warn({ err: error, job: job.id, attempt, retryInMs: delay }, 'job failed; it is tried again');
        }
      },
    ]),
  );
}
