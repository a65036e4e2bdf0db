import { Redis } from 'ioredis';
import { StoreUnavailableError } from '../errors.js';
import { createSharedCompute } from './redis-cached.js';
import { createRedisJobs } from './redis-jobs.js';
import { createRedisLock } from './redis-lock.js';
import { JOB_BACKOFF_MS, type JobQueue, type Store } from './store.js';

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
  /** How long one command may go unanswered before the store counts as unavailable. Default COMMAND_TIMEOUT_MS. */
  commandTimeoutMs?: number;
  /**
   * How long the other replicas wait for the one computing a `cached` value before they compute it
   * themselves (it died, or takes that long). Default COMPUTE_CLAIM_MS.
   */
  computeClaimMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

/** Runs one Redis operation, or throws StoreUnavailableError when Redis cannot answer it. */
export type ReachRedis = <T>(operation: string, command: () => Promise<T>) => Promise<T>;

/** A healthy Redis answers in well under a millisecond; /readyz probes often time out after 1 s. */
const PING_TIMEOUT_MS = 500;
/** A command unanswered this long fails: Redis hangs, or the network between us does. */
export const COMMAND_TIMEOUT_MS = 2000;
/** How long an operation waits for a connection being (re)made, unless a wait already timed out since Redis was last ready. */
export const CONNECT_WAIT_MS = 1000;
/**
 * A Prometheus query answers within PROMETHEUS_TIMEOUT_MS (5 s by default) or fails, which frees its
 * claim at once; a replica that died computing delays the others' evaluations (60 s deadline) by this at most.
 */
export const COMPUTE_CLAIM_MS = 10_000;
/** Replies that mean "Redis is there, but cannot serve now" (loading, a replica, out of memory, busy script). */
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|BUSY|OOM|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/;

/**
 * State shared by every replica through one Redis: claims, locks, values and the query cache on
 * plain keys, delayed jobs on BullMQ. Concurrent `cached` calls for one key share one computation:
 * within a replica one promise, across replicas a short claim in Redis (redis-cached.ts) that the
 * others wait on for COMPUTE_CLAIM_MS at most, so a value is computed once per expiry unless the
 * replica computing it dies or fails (then another computes it).
 *
 * During an outage every operation fails within about two seconds with StoreUnavailableError,
 * never later and never twice: no command waits in an offline queue, none is sent again after a
 * reconnection (a claim or lock taken minutes late would block the catch-up), and one that Redis
 * leaves unanswered times out.
 */
export function createRedisStore(options: RedisStoreOptions): Store {
  const prefix = options.prefix ?? 'slo-gate';
  const log = options.log ?? { warn: (obj: object, msg: string) => console.warn(`slo-gate: ${msg}`, obj) };
  const redis = new Redis(options.url, {
    connectionName: `${prefix}:store`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS,
  });
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

  // Waiting for a connection absorbs the start and a short reconnection; once one wait timed out,
  // Redis counts as down and operations fail at once until it is ready again.
  let down = false;
  let waiting: Promise<boolean> | undefined;
  redis.on('ready', () => {
    down = false;
    reported.clear();
  });
  const connected = () => (waiting ??= readyWithin(redis, CONNECT_WAIT_MS).finally(() => (waiting = undefined)));
  const reach: ReachRedis = async (operation, command) => {
    if (redis.status !== 'ready') {
      if (down || !(await connected())) {
        down = true;
        throw new StoreUnavailableError(operation, `not connected (${redis.status})`);
      }
    }
    try {
      return await command();
    } catch (error) {
      const reason = unavailability(error, redis.status);
      throw reason === undefined ? error : new StoreUnavailableError(operation, reason, { cause: error });
    }
  };

  const key = (kind: string, name: string) => `${prefix}:${kind}:${name}`;
  const withLock = createRedisLock(redis, { leaseMs: options.lockLeaseMs ?? 30_000, waitMs: options.lockWaitMs ?? 60_000, log, reach });
  const queue = createRedisJobs(redis, { url: options.url, prefix, backoffMs: options.backoffMs ?? JOB_BACKOFF_MS, log, warnOnce });
  const jobs: JobQueue = {
    schedule: (job, delayMs) => reach(`schedule job ${job.id}`, () => queue.schedule(job, delayMs)),
    cancel: (id) => reach(`cancel job ${id}`, () => queue.cancel(id)),
    pending: () => reach('count pending jobs', () => queue.pending()),
    process: (handlers, onError) => queue.process(handlers, onError),
  };
  const sharedCompute = createSharedCompute(redis, { claimMs: px(options.computeClaimMs ?? COMPUTE_CLAIM_MS), log, reach });
  const computing = new Map<string, Promise<string>>();
  let closing: Promise<void> | undefined;

  return {
    async claimOnce(id, ttlMs) {
      return (await reach('claim a delivery', () => redis.set(key('claim', id), '1', 'PX', px(ttlMs), 'NX'))) === 'OK';
    },
    async release(id) {
      await reach('release a claim', () => redis.del(key('claim', id)));
    },
    withLock: (name, work) => withLock(key('lock', name), work),
    async get(name) {
      return (await reach('read a value', () => redis.get(key('value', name)))) ?? undefined;
    },
    async set(name, value, ttlMs) {
      await reach('write a value', () => redis.set(key('value', name), value, 'PX', px(ttlMs)));
    },
    cached(name, ttlMs, compute) {
      // The whole read-compute-write is shared, so a caller arriving mid-flight never computes again.
      let pending = computing.get(name);
      if (!pending) {
        pending = sharedCompute(key('cache', name), key('computing', name), px(ttlMs), compute).finally(() => computing.delete(name));
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
        await Promise.race([reach('answer PING', () => redis.ping()), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      closing ??= (async () => {
        try {
          await queue.close();
        } finally {
          // quit() lets replies still due arrive; without a connection, disconnect() ends at once.
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

/** True once the connection is ready, false after `ms` or when it was closed for good. */
function readyWithin(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'end') return Promise.resolve(false);
  return new Promise((resolve) => {
    const settle = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
      resolve(ready);
    };
    const onReady = () => settle(true);
    const onEnd = () => settle(false);
    const timer = setTimeout(() => settle(false), ms);
    redis.once('ready', onReady);
    redis.once('end', onEnd);
  });
}

/**
 * Why a failed command means Redis is unavailable, or undefined when Redis answered and refused
 * (a bug, which must not pass for an outage). Without a ready connection, any failure is the connection's.
 */
function unavailability(error: unknown, status: string): string | undefined {
  const { name, message } = error instanceof Error ? error : new Error(String(error));
  if (name === 'ReplyError') return UNAVAILABLE_REPLY.test(message) ? message : undefined;
  const lostConnection = /timed out|isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND/i;
  if (status !== 'ready' || name === 'MaxRetriesPerRequestError' || name === 'AbortError' || lostConnection.test(message)) return message;
  return undefined;
}

/** Redis wants a whole, positive number of milliseconds; the memory store takes any TTL. */
function px(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}
