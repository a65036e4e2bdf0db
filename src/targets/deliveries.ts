import type { Logger } from 'probot';
import { StoreUnavailableError } from '../errors.js';
import type { Store } from '../state/store.js';

/** GitHub redelivers a webhook at most days later; remember processed delivery ids that long. */
const DELIVERED_TTL_MS = 3 * 86_400_000;
/**
 * A delivery being processed is claimed for this long only: if its replica dies mid-way, the claim
 * lapses and a manual redelivery is processed (the target's safety-net re-check runs sooner anyway).
 */
const IN_PROGRESS_TTL_MS = 10 * 60_000;

/**
 * A webhook GitHub delivers twice (same `X-GitHub-Delivery`) is processed once. A delivery is
 * remembered as processed only once its handler finished; one whose handler failed, or whose
 * replica died, can be redelivered and is processed then. While the store is unavailable a
 * delivery cannot be claimed: it is processed anyway (a handler answers even then), at the cost
 * of processing a redelivery twice.
 */
export function oncePerDelivery(store: Store) {
  return <C extends { id: string; log: Logger }>(handler: (context: C) => Promise<void>) =>
    async (context: C): Promise<void> => {
      const unavailable = (error: unknown, what: string): void => {
        if (!(error instanceof StoreUnavailableError)) throw error;
        context.log.warn({ err: error, delivery: context.id }, what);
      };
      let claimed: boolean;
      try {
        claimed = (await store.get(`delivered:${context.id}`)) === undefined && (await store.claimOnce(`delivery:${context.id}`, IN_PROGRESS_TTL_MS));
      } catch (error) {
        unavailable(error, 'could not claim a delivery: the shared store is unavailable; processing it anyway');
        return handler(context);
      }
      if (!claimed) {
        context.log.info({ delivery: context.id }, 'duplicate delivery ignored');
        return;
      }
      try {
        await handler(context);
      } catch (error) {
        await store.release(`delivery:${context.id}`).catch((releaseError: unknown) => {
          context.log.warn({ err: releaseError, delivery: context.id }, 'could not release a failed delivery; a redelivery is processed once its claim lapses');
        });
        throw error;
      }
      await store.set(`delivered:${context.id}`, '1', DELIVERED_TTL_MS).catch((error: unknown) => {
        unavailable(
          error,
          'could not record a processed delivery: the shared store is unavailable; a redelivery within 10 minutes is ignored, a later one processed again',
        );
      });
    };
}

/**
 * Work in flight in this process (webhook handlers and jobs), so SIGTERM can let it finish: the
 * store still holds a re-check for anything cut off, but finishing is faster and quieter.
 */
export function inFlightWork() {
  const running = new Set<Promise<unknown>>();
  return {
    track<A extends unknown[]>(work: (...args: A) => Promise<void>) {
      return (...args: A): Promise<void> => {
        const promise = work(...args);
        running.add(promise);
        const forget = () => running.delete(promise);
        promise.then(forget, forget);
        return promise;
      };
    },
    /** Resolves true once everything in flight has finished, or false after `graceMs`. */
    async drain(graceMs: number): Promise<boolean> {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
      const finished = Promise.allSettled([...running]).then(() => true as const);
      try {
        return await Promise.race([finished, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    },
    get size() {
      return running.size;
    },
  };
}
