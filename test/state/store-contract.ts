/**
 * What every Store does, whatever keeps the state: registered once per implementation
 * (test/state/memory-store.test.ts, test/integration/redis-store.test.ts). Delays are tens of
 * milliseconds and outcomes are awaited with `until` (vi.waitFor), so no test sleeps for long or
 * asserts on speed. The job queue's part is in job-queue-contract.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Store } from '../../src/state/store.js';
import { describeJobQueueContract } from './job-queue-contract.js';
import { deferred, sleep, TEST_BACKOFF_MS, until } from './timing.js';

export type MakeStore = (options: { backoffMs: number }) => Store | Promise<Store>;

export function describeStoreContract(name: string, makeStore: MakeStore): void {
  describe(`${name} store`, () => {
    const stores: Store[] = [];
    const open = async () => {
      const store = await makeStore({ backoffMs: TEST_BACKOFF_MS });
      stores.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
    });

    describe('webhook deliveries', () => {
      it('claims a delivery id once, so a redelivered webhook is processed once', async () => {
        const store = await open();
        expect(await store.claimOnce('delivery-1', 60_000)).toBe(true);
        expect(await store.claimOnce('delivery-1', 60_000)).toBe(false);
        expect(await store.claimOnce('delivery-2', 60_000)).toBe(true);
      });

      it('lets a released delivery be claimed again, so a failed one is processed on redelivery', async () => {
        const store = await open();
        await store.claimOnce('delivery-1', 60_000);
        await store.release('delivery-1');
        expect(await store.claimOnce('delivery-1', 60_000)).toBe(true);
      });

      it('forgets a claim after its TTL', async () => {
        const store = await open();
        await store.claimOnce('delivery-1', 30);
        await until(async () => expect(await store.claimOnce('delivery-1', 60_000)).toBe(true));
      });
    });

    describe('locks', () => {
      it('runs work for the same key one at a time', async () => {
        const store = await open();
        let running = 0;
        let most = 0;
        const work = async (n: number) => {
          running++;
          most = Math.max(most, running);
          await sleep(15);
          running--;
          return n;
        };
        const results = await Promise.all([1, 2, 3, 4].map((n) => store.withLock('pr:acme/shop#1', () => work(n))));
        expect(results).toEqual([1, 2, 3, 4]);
        expect(most).toBe(1);
      });

      it('runs work for different keys at the same time', async () => {
        const store = await open();
        const first = deferred();
        const holding = store.withLock('pr:acme/shop#1', () => first.promise);
        // Would wait forever if the second key were blocked by the first.
        expect(await store.withLock('pr:acme/shop#2', async () => 'other pull request')).toBe('other pull request');
        first.resolve('first');
        expect(await holding).toBe('first');
      });

      it('passes the work’s error through and releases the lock', async () => {
        const store = await open();
        const failure = new Error('evaluation failed');
        await expect(store.withLock('pr:acme/shop#1', async () => Promise.reject(failure))).rejects.toBe(failure);
        expect(await store.withLock('pr:acme/shop#1', async () => 'next event')).toBe('next event');
      });
    });

    describe('values', () => {
      it('returns what was set until its TTL runs out', async () => {
        const store = await open();
        expect(await store.get('head:acme/shop#1')).toBeUndefined();
        await store.set('head:acme/shop#1', 'abc123', 60_000);
        await store.set('head:acme/shop#2', 'def456', 30);
        expect(await store.get('head:acme/shop#1')).toBe('abc123');
        await until(async () => expect(await store.get('head:acme/shop#2')).toBeUndefined());
        expect(await store.get('head:acme/shop#1')).toBe('abc123');
      });

      it('overwrites a value', async () => {
        const store = await open();
        await store.set('status', 'failure', 60_000);
        await store.set('status', 'success', 60_000);
        expect(await store.get('status')).toBe('success');
      });
    });

    describe('cached', () => {
      it('computes once for concurrent callers and serves the value afterwards', async () => {
        const store = await open();
        const compute = vi.fn(async () => (await sleep(20), '0.0042'));
        const answers = await Promise.all(Array.from({ length: 10 }, () => store.cached('query:errors[5m]', 60_000, compute)));
        expect(answers).toEqual(Array(10).fill('0.0042'));
        expect(await store.cached('query:errors[5m]', 60_000, compute)).toBe('0.0042');
        expect(compute).toHaveBeenCalledTimes(1);
      });

      it('keeps different keys apart', async () => {
        const store = await open();
        expect(await store.cached('a', 60_000, async () => 'A')).toBe('A');
        expect(await store.cached('b', 60_000, async () => 'B')).toBe('B');
      });

      it('computes again once the TTL has run out', async () => {
        const store = await open();
        let n = 0;
        const compute = async () => String(++n);
        expect(await store.cached('query', 30, compute)).toBe('1');
        await until(async () => expect(await store.cached('query', 30, compute)).toBe('2'));
      });

      it('does not cache a failed computation: every waiting caller sees the error, the next call computes again', async () => {
        const store = await open();
        const failure = new Error('prometheus timed out');
        const failing = vi.fn(async () => (await sleep(10), Promise.reject(failure)));
        const callers = Array.from({ length: 3 }, () => store.cached('query', 60_000, failing));
        for (const caller of callers) await expect(caller).rejects.toBe(failure);
        expect(failing).toHaveBeenCalledTimes(1);
        expect(await store.cached('query', 60_000, async () => 'recovered')).toBe('recovered');
      });
    });

    describeJobQueueContract(open);

    it('answers ping and closes more than once without complaint', async () => {
      const store = await open();
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await store.close();
    });
  });
}
