import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LockTimeoutError } from '../errors.js';
import type { ReachRedis } from './redis-store.js';

export interface LockOptions {
  /** How long a holder keeps the lock without renewing it: a crashed replica frees it after this. */
  leaseMs: number;
  /** How long to wait for the lock before giving up with an Error. */
  waitMs: number;
  log: { warn(obj: object, msg: string): void };
  /** Sends a command, turning an unreachable Redis into StoreUnavailableError (thrown at once, never waited out). */
  reach: ReachRedis;
}

/** Deletes the lock only while it is still ours: after a lost lease, another holder's lock stays. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** Extends the lease only while the lock is still ours. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 250;

/**
 * A lease lock shared by every replica: `SET key token NX PX lease` to take it, polling with
 * jittered, growing pauses while someone else holds it; the lease is renewed every third of its
 * length while `work` runs, and a compare-and-delete script releases it, whatever `work` did.
 * When Redis cannot be reached, taking the lock fails at once with StoreUnavailableError: waiting
 * out `waitMs` would only delay the `error` status the caller then writes.
 */
export function createRedisLock(redis: Redis, options: LockOptions) {
  const { leaseMs, waitMs, log, reach } = options;

  const acquire = async (key: string, token: string): Promise<void> => {
    const deadline = Date.now() + waitMs;
    for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 1.5, MAX_POLL_MS)) {
      if ((await reach('take a lock', () => redis.set(key, token, 'PX', leaseMs, 'NX'))) === 'OK') return;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new LockTimeoutError(
          key,
          `Could not take the lock "${key}" within ${waitMs} ms: another slo-gate replica or evaluation held it all that time. ` +
            `A holder that crashed frees it within ${leaseMs} ms; one that is still working renews it, so look for an evaluation that never ends.`,
        );
      }
      await sleep(Math.min(left, pause * (0.5 + Math.random() / 2)));
    }
  };

  const keepRenewing = (key: string, token: string): (() => void) => {
    let lost = false;
    const timer = setInterval(
      () => {
        redis.eval(RENEW, 1, key, token, String(leaseMs)).then(
          (renewed) => {
            if (renewed === 0 && !lost) {
              lost = true;
              log.warn(
                { key },
                'lost a lock while its work was still running (the lease expired before it could be renewed); others may now run the same work',
              );
            }
          },
          (error: unknown) => log.warn({ err: error, key }, 'could not renew a lock; it is tried again, and the lease expires if Redis stays unreachable'),
        );
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  };

  return async function withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const token = randomUUID();
    await acquire(key, token);
    const stopRenewing = keepRenewing(key, token);
    try {
      return await work();
    } finally {
      stopRenewing();
      await redis.eval(RELEASE, 1, key, token).catch((error: unknown) => {
        log.warn({ err: error, key }, `could not release a lock; it frees itself when its ${leaseMs} ms lease runs out`);
      });
    }
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
