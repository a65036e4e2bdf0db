import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ReachRedis } from './redis-store.js';

export interface SharedComputeOptions {
  /**
   * How long one replica's claim on a computation keeps the others waiting for its value: a replica
   * that died computing frees the claim after this, and a waiter computes itself after this at most.
   * Whole milliseconds of at least 1, as Redis wants them.
   */
  claimMs: number;
  log: { warn(obj: object, msg: string): void };
  /** Sends a command, turning an unreachable Redis into StoreUnavailableError (thrown at once, never waited out). */
  reach: ReachRedis;
}

/**
 * The cached value (`[1, value]`), or else the claim on computing it: `[2]` taken now by this
 * caller, `[0]` held by another. One script, so no replica sees neither a value nor a claim while
 * another is between writing the value and dropping its claim.
 */
const READ_OR_CLAIM = `
local value = redis.call('GET', KEYS[1])
if value then return {1, value} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2} end
return {0}`;
/** Drops the claim only while it is still ours: after it ran out, another replica's claim stays. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

const HIT = 1;
const CLAIMED = 2;
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 100;

/**
 * One computation of a cached value across every replica: the first to miss the cache claims it
 * (`SET claim token NX PX claimMs`), computes, writes the value, then drops its claim. The others
 * poll, with growing pauses, until the value appears. When the claim goes without a value (the
 * computation failed: a failure is never cached) one of them claims it and computes; when a claim
 * outlives `claimMs` of waiting (its replica died, or is that slow) the waiter computes without
 * one. So a waiter never waits longer than `claimMs`, and another replica's failure is never its own.
 */
export function createSharedCompute(redis: Redis, { claimMs, log, reach }: SharedComputeOptions) {
  const computeAndWrite = async (cacheKey: string, ttlMs: number, compute: () => Promise<string>): Promise<string> => {
    const value = await compute();
    await reach('write the query cache', () => redis.set(cacheKey, value, 'PX', ttlMs));
    return value;
  };

  /** `ttlMs`: whole milliseconds of at least 1, as Redis wants them. */
  return async function sharedCompute(cacheKey: string, claimKey: string, ttlMs: number, compute: () => Promise<string>): Promise<string> {
    const token = randomUUID();
    const deadline = Date.now() + claimMs;
    for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 1.5, MAX_POLL_MS)) {
      const [state, hit] = (await reach('read the query cache', () => redis.eval(READ_OR_CLAIM, 2, cacheKey, claimKey, token, claimMs))) as [number, string?];
      if (state === HIT) return hit!;
      if (state === CLAIMED) {
        try {
          return await computeAndWrite(cacheKey, ttlMs, compute);
        } finally {
          await redis.eval(RELEASE, 1, claimKey, token).catch((error: unknown) => {
            log.warn({ err: error, key: claimKey }, `could not drop a claim on a cached computation; it runs out by itself within ${claimMs} ms`);
          });
        }
      }
      const left = deadline - Date.now();
      // The claim's replica died, or computes for longer than a claim lasts: no more waiting.
      if (left <= 0) return computeAndWrite(cacheKey, ttlMs, compute);
      await sleep(Math.min(left, pause));
    }
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
