import { Redis } from 'ioredis';
import { createRedisJobs } from './redis-jobs.js';
import { createRedisLock } from './redis-lock.js';
import { JOB_BACKOFF_MS, type Store } from './store.js';

export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL, e.g. REDIS_URL. */
  url: string;
  /** Every key is under `${prefix}:`; replicas of one deployment share it. Default `slo-gate`. */
  prefix?: string;
  /** How long `withLock` waits for a lock before it throws. Default 60 s. */
  lockWaitMs?: number;
  /** How long a lock outlives a crashed holder; holders renew it every third of this. Default 30 s. */
  lockLeaseMs?: number;
  /** First retry delay of a failed job, doubled for each next one. Default JOB_BACKOFF_MS; tests use a few ms. */
  backoffMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

/** A healthy Redis answers in well under a millisecond; /readyz probes often time out after 1 s. */
const PING_TIMEOUT_MS = 500;

/**
 * State shared by every replica through one Redis: claims, locks, values and the query cache on
 * plain keys, delayed jobs on BullMQ. Concurrent `cached` calls for one key share one computation
 * within a replica, so with N replicas a value is computed at most N times per expiry.
 */
export function createRedisStore(options: RedisStoreOptions): Store {
  const prefix = options.prefix ?? 'slo-gate';
  const log = options.log ?? { warn: (obj: object, msg: string) => console.warn(`slo-gate: ${msg}`, obj) };
  const redis = new Redis(options.url, { connectionName: `${prefix}:store` });
  // ioredis and BullMQ report every failed reconnection of every connection: log each problem
  // once until Redis is back.
  const reported = new Set<string>();
  const warnOnce = (source: string) => (error: Error) => {
    if (reported.has(error.message)) return;
    if (reported.size >= 100) reported.clear();
    reported.add(error.message);
    log.warn({ err: error }, `${source} error (ioredis reconnects by itself)`);
  };
  redis.on('error', warnOnce('redis connection'));
  redis.on('ready', () => reported.clear());

  const key = (kind: string, name: string) => `${prefix}:${kind}:${name}`;
  const withLock = createRedisLock(redis, { leaseMs: options.lockLeaseMs ?? 30_000, waitMs: options.lockWaitMs ?? 60_000, log });
  const jobs = createRedisJobs(redis, { url: options.url, prefix, backoffMs: options.backoffMs ?? JOB_BACKOFF_MS, log, warnOnce });
  const computing = new Map<string, Promise<string>>();
  let closing: Promise<void> | undefined;

  return {
    async claimOnce(id, ttlMs) {
      return (await redis.set(key('claim', id), '1', 'PX', px(ttlMs), 'NX')) === 'OK';
    },
    async release(id) {
      await redis.del(key('claim', id));
    },
    withLock: (name, work) => withLock(key('lock', name), work),
    async get(name) {
      return (await redis.get(key('value', name))) ?? undefined;
    },
    async set(name, value, ttlMs) {
      await redis.set(key('value', name), value, 'PX', px(ttlMs));
    },
    cached(name, ttlMs, compute) {
      // The whole read-compute-write is shared, so a caller arriving mid-flight never computes again.
      let pending = computing.get(name);
      if (!pending) {
        pending = (async () => {
          const hit = await redis.get(key('cache', name));
          if (hit !== null) return hit;
          const value = await compute();
          await redis.set(key('cache', name), value, 'PX', px(ttlMs));
          return value;
        })().finally(() => computing.delete(name));
        computing.set(name, pending);
      }
      return pending;
    },
    jobs,
    async ping() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`redis did not answer PING within ${PING_TIMEOUT_MS} ms (${redis.status})`)), PING_TIMEOUT_MS);
      });
      try {
        await Promise.race([redis.ping(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      closing ??= (async () => {
        try {
          await jobs.close();
        } finally {
          // quit() lets replies still due arrive, but waits forever behind commands queued while
          // Redis is unreachable: then disconnect(), which fails them. Neither keeps the process alive.
          if (redis.status === 'ready') {
            await redis.quit().catch((error: unknown) => {
              log.warn({ err: error }, 'redis did not acknowledge QUIT; disconnecting');
              redis.disconnect();
            });
          } else {
            redis.disconnect();
          }
        }
      })();
      return closing;
    },
  };
}

/** Redis wants a whole, positive number of milliseconds; the memory store takes any TTL. */
function px(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}
