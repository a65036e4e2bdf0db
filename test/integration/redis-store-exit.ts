/**
 * Run as a child process by redis-store.test.ts: uses every part of a Redis store, closes it, and
 * then must exit by itself. A timer, socket or worker left behind by close() would keep it alive.
 */
import { createRedisStore } from '../../src/state/redis-store.js';

const url = process.env.REDIS_URL;
const prefix = process.env.PREFIX;
if (!url || !prefix) throw new Error('set REDIS_URL and PREFIX');

const store = createRedisStore({ url, prefix, backoffMs: 5 });
let ran = false;
store.jobs.process({ recheck: async () => void (ran = true) }, () => {});
await store.jobs.schedule({ id: 'recheck:acme/shop#1', kind: 'recheck', data: {} }, 0);
await store.jobs.schedule({ id: 'recheck:acme/shop#2', kind: 'recheck', data: {} }, 60_000);
await store.withLock('pr:acme/shop#1', async () => store.cached('query', 60_000, async () => '1'));
await store.claimOnce('delivery-1', 60_000);
await store.ping();
while (!ran) await new Promise((resolve) => setTimeout(resolve, 10));
await store.close();
console.log('closed');
