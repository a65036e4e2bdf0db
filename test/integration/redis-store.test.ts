/**
 * The Redis store against a real redis-server (see redis-setup.ts): first the contract every store
 * keeps, then what only shared state can do, with two stores on one Redis standing in for two
 * replicas of slo-gate behind a load balancer. Every test has its own key prefix, deleted after it.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it, vi } from 'vitest';
import { createRedisStore, type RedisStoreOptions } from '../../src/state/redis-store.js';
import type { Job, Store } from '../../src/state/store.js';
import { describeStoreContract } from '../state/store-contract.js';
import { deferred, sleep, TEST_BACKOFF_MS, until } from '../state/timing.js';
import { freePort } from './global-setup.js';

const url = inject('redisUrl');
const admin = new Redis(url);
const prefixes: string[] = [];
const warnings: { obj: object; msg: string }[] = [];
const log = { warn: (obj: object, msg: string) => void warnings.push({ obj, msg }) };

function newPrefix(): string {
  const prefix = `slo-gate-test-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  return prefix;
}

afterEach(async () => {
  // Nothing here should have gone wrong quietly: a lost lock, a failed release, a connection error.
  expect(warnings.splice(0).map(({ msg, obj }) => `${msg}: ${String((obj as { err?: unknown }).err)}`)).toEqual([]);
  for (const prefix of prefixes.splice(0)) {
    const keys: string[] = [];
    for await (const batch of admin.scanStream({ match: `${prefix}:*`, count: 1000 })) keys.push(...(batch as string[]));
    if (keys.length > 0) await admin.del(...keys);
  }
});
afterAll(async () => {
  await admin.quit();
});

describeStoreContract('Redis', ({ backoffMs }) => createRedisStore({ url, prefix: newPrefix(), backoffMs, log }));

describe('two replicas sharing one Redis', () => {
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  /** Two stores with the same prefix: replicas A and B of one deployment. */
  function replicas(options: Partial<RedisStoreOptions> = {}, optionsB: Partial<RedisStoreOptions> = {}): [Store, Store] {
    const prefix = newPrefix();
    const make = (extra: Partial<RedisStoreOptions>) => createRedisStore({ url, prefix, backoffMs: TEST_BACKOFF_MS, log, ...options, ...extra });
    const pair: [Store, Store] = [make({}), make(optionsB)];
    stores.push(...pair);
    return pair;
  }

  /** Both replicas process `recheck` jobs; each run is recorded with the replica that ran it. */
  function processBoth(a: Store, b: Store) {
    const runs: { replica: 'A' | 'B'; job: Job }[] = [];
    a.jobs.process({ recheck: async (job) => void runs.push({ replica: 'A', job }) }, () => {});
    b.jobs.process({ recheck: async (job) => void runs.push({ replica: 'B', job }) }, () => {});
    return runs;
  }

  it('refuses on one replica a delivery the other claimed', async () => {
    const [a, b] = replicas();
    expect(await a.claimOnce('delivery-1', 60_000)).toBe(true);
    expect(await b.claimOnce('delivery-1', 60_000)).toBe(false);
    await a.release('delivery-1');
    expect(await b.claimOnce('delivery-1', 60_000)).toBe(true);
  });

  it('shares values: what one replica sets, the other reads', async () => {
    const [a, b] = replicas();
    await a.set('head:acme/shop#1', 'abc123', 60_000);
    expect(await b.get('head:acme/shop#1')).toBe('abc123');
  });

  it('makes one replica wait while the other holds the lock of a pull request', async () => {
    const [a, b] = replicas();
    const inside = deferred();
    const finish = deferred();
    const events: string[] = [];
    const first = a.withLock('pr:acme/shop#1', async () => {
      events.push('A starts');
      inside.resolve(undefined);
      await finish.promise;
      events.push('A ends');
    });
    await inside.promise;
    const second = b.withLock('pr:acme/shop#1', async () => void events.push('B starts'));
    await sleep(60);
    expect(events).toEqual(['A starts']);
    finish.resolve(undefined);
    await Promise.all([first, second]);
    expect(events).toEqual(['A starts', 'A ends', 'B starts']);
  });

  it('keeps a lock through an evaluation longer than the lease, by renewing it', async () => {
    const [a, b] = replicas({ lockLeaseMs: 90 });
    const inside = deferred();
    const events: string[] = [];
    const first = a.withLock('pr:acme/shop#1', async () => {
      inside.resolve(undefined);
      await sleep(300); // more than three leases
      events.push('A ends');
    });
    await inside.promise;
    await b.withLock('pr:acme/shop#1', async () => void events.push('B starts'));
    await first;
    expect(events).toEqual(['A ends', 'B starts']);
  });

  it('gives up waiting for a lock after lockWaitMs with an error that says what to look for', async () => {
    const [a, b] = replicas({}, { lockWaitMs: 100 });
    const finish = deferred();
    const inside = deferred();
    const holding = a.withLock('pr:acme/shop#1', async () => (inside.resolve(undefined), finish.promise));
    await inside.promise;
    const work = vi.fn(async () => 'never');
    await expect(b.withLock('pr:acme/shop#1', work)).rejects.toThrow(/Could not take the lock ".*:lock:pr:acme\/shop#1" within 100 ms/);
    expect(work).not.toHaveBeenCalled();
    finish.resolve(undefined);
    await holding;
  });

  it('frees the lock of a replica that died holding it once its lease runs out', async () => {
    const [, b] = replicas();
    const prefix = prefixes.at(-1)!;
    await admin.set(`${prefix}:lock:pr:acme/shop#1`, 'token-of-a-dead-replica', 'PX', 150);
    expect(await b.withLock('pr:acme/shop#1', async () => 'B got it')).toBe('B got it');
  });

  it('runs each scheduled job exactly once across both processing replicas', async () => {
    const [a, b] = replicas();
    const runs = processBoth(a, b);
    const ids = Array.from({ length: 20 }, (_, n) => `recheck:acme/shop#${n}`);
    await Promise.all(ids.map((id, n) => (n % 2 ? a : b).jobs.schedule({ id, kind: 'recheck', data: { n } }, 20)));
    await until(() => expect(runs).toHaveLength(20));
    await sleep(100);
    expect(runs.map(({ job }) => job.id).sort()).toEqual([...ids].sort());
  });

  it('runs once a pull request re-check both replicas scheduled at the same moment', async () => {
    const [a, b] = replicas();
    const runs = processBoth(a, b);
    await Promise.all(Array.from({ length: 10 }, (_, n) => (n % 2 ? a : b).jobs.schedule({ id: 'recheck:acme/shop#1', kind: 'recheck', data: { n } }, 50)));
    expect(await a.jobs.pending()).toBe(1);
    await until(() => expect(runs).toHaveLength(1));
    await sleep(150);
    expect(runs).toHaveLength(1);
  });

  it('runs the jobs a replica had pending after that replica is gone', async () => {
    const [a, b] = replicas();
    a.jobs.process({ recheck: async () => {} }, () => {});
    for (const n of [1, 2, 3]) await a.jobs.schedule({ id: `recheck:acme/shop#${n}`, kind: 'recheck', data: { n } }, 100);
    await a.close();
    const ran: Job[] = [];
    b.jobs.process({ recheck: async (job) => void ran.push(job) }, () => {});
    await until(() => expect(ran.map((job) => job.data.n).sort()).toEqual([1, 2, 3]));
  });

  it('computes a shared query once across both replicas when 50 callers ask at once', async () => {
    const [a, b] = replicas();
    const compute = vi.fn(async () => (await sleep(30), '0.0042'));
    const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => (n % 2 ? a : b).cached('query:errors[5m]', 60_000, compute)));
    expect(new Set(answers)).toEqual(new Set(['0.0042']));
    expect(compute).toHaveBeenCalledTimes(1);
    expect(await b.cached('query:errors[5m]', 60_000, compute)).toBe('0.0042');
    expect(compute).toHaveBeenCalledTimes(1);
  });

  it('computes on the other replica when the computing one fails, without waiting out the claim, and caches its value', async () => {
    // A claim longer than the test's timeout: only noticing that the failed replica let go finishes it.
    const [a, b] = replicas({ computeClaimMs: 120_000 });
    const started = deferred();
    const failure = new Error('prometheus timed out');
    const failing = vi.fn(async () => {
      started.resolve(undefined);
      await sleep(50); // B finds the claim taken and waits on it meanwhile
      throw failure;
    });
    const computeB = vi.fn(async () => '0.0042');
    const onA = a.cached('query:errors[5m]', 60_000, failing);
    await started.promise;
    const onB = b.cached('query:errors[5m]', 60_000, computeB);
    await expect(onA).rejects.toBe(failure);
    expect(await onB).toBe('0.0042');
    expect(computeB).toHaveBeenCalledTimes(1);
    expect(await a.cached('query:errors[5m]', 60_000, failing)).toBe('0.0042');
    expect(failing).toHaveBeenCalledTimes(1);
  });

  it('waits at most the claim time for a replica that died computing, then computes itself', async () => {
    const [, b] = replicas({ computeClaimMs: 200 });
    const prefix = prefixes.at(-1)!;
    // The dead replica's claim outlasts the wait, and no value ever comes.
    await admin.set(`${prefix}:computing:query:errors[5m]`, 'token-of-a-dead-replica', 'PX', 120_000);
    const compute = vi.fn(async () => '0.0042');
    const callers = Array.from({ length: 5 }, () => b.cached('query:errors[5m]', 60_000, compute));
    expect(await Promise.all(callers)).toEqual(Array(5).fill('0.0042'));
    expect(compute).toHaveBeenCalledTimes(1);
    // The dead replica's claim is not B's to drop: it runs out by itself.
    expect(await admin.get(`${prefix}:computing:query:errors[5m]`)).toBe('token-of-a-dead-replica');
  });

  it('computes once the claim of a replica that died runs out, when it runs out before the wait does', async () => {
    // A wait longer than the test's timeout: only taking the claim once it ran out finishes it.
    const [, b] = replicas({ computeClaimMs: 120_000 });
    const prefix = prefixes.at(-1)!;
    await admin.set(`${prefix}:computing:query:errors[5m]`, 'token-of-a-dead-replica', 'PX', 150);
    const compute = vi.fn(async () => '0.0042');
    expect(await b.cached('query:errors[5m]', 60_000, compute)).toBe('0.0042');
    expect(compute).toHaveBeenCalledTimes(1);
    // B took the claim, and dropped it once its value was written.
    expect(await admin.exists(`${prefix}:computing:query:errors[5m]`)).toBe(0);
  });
});

describe('a Redis that cannot be reached', () => {
  it('fails ping quickly, so /readyz reports it, and still closes', async () => {
    const quiet = { warn: vi.fn() };
    const store = createRedisStore({ url: `redis://127.0.0.1:${await freePort()}`, prefix: newPrefix(), log: quiet });
    store.jobs.process({ recheck: async () => {} }, () => {});
    await expect(store.ping()).rejects.toThrow(/redis did not answer PING within 500 ms/);
    await store.close();
    expect(quiet.warn).toHaveBeenCalledWith(
      expect.objectContaining({ err: expect.objectContaining({ message: expect.stringMatching(/ECONNREFUSED/) }) }),
      expect.any(String),
    );
  });
});

describe('closing', () => {
  it('lets the process exit once the store is closed', async () => {
    const script = fileURLToPath(new URL('./redis-store-exit.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, REDIS_URL: url, PREFIX: newPrefix() },
      timeout: 20_000,
    });
    expect(stdout.trim()).toBe('closed');
  });
});
