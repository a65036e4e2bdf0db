import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('in-memory', ({ backoffMs }) => createMemoryStore({ backoffMs }));

const DAY = 24 * 3600_000;

describe('in-memory store: bounded by bytes, gate state apart', () => {
  it('keeps a pull request’s head and status while a flood of delivery claims for ignored events comes in', async () => {
    const store = createMemoryStore({ maxBytes: 256 * 1024 });
    await store.set('head:Codertocat/Hello-World#2', '{"sha":"ec26c3e","updatedAt":"2026-11-20T10:00:00Z"}', 7 * DAY);
    await store.set('status:Codertocat/Hello-World@ec26c3e', '{"state":"failure"}', 7 * DAY);
    for (let i = 0; i < 60_000; i++) await store.claimOnce(`delivery:7f3c9a40-${i}`, 3 * DAY);
    expect(await store.get('head:Codertocat/Hello-World#2')).toBe('{"sha":"ec26c3e","updatedAt":"2026-11-20T10:00:00Z"}');
    expect(await store.get('status:Codertocat/Hello-World@ec26c3e')).toBe('{"state":"failure"}');
    // The claims themselves stay bounded: the oldest are forgotten, the newest still hold.
    expect(await store.claimOnce('delivery:7f3c9a40-0', 3 * DAY)).toBe(true);
    expect(await store.claimOnce('delivery:7f3c9a40-59999', 3 * DAY)).toBe(false);
  });

  it('keeps gate state while a flood of large cached query answers comes in', async () => {
    const store = createMemoryStore({ maxBytes: 256 * 1024 });
    await store.set('head:Codertocat/Hello-World#2', 'ec26c3e', 7 * DAY);
    const query = `sum(rate(http_requests_total{job="checkout",code=~"5.."}[5m]))${' '.repeat(2000)}`;
    for (let i = 0; i < 2_000; i++) await store.cached(`query:${i}:${query}`, 30_000, async () => '0.000123');
    expect(await store.get('head:Codertocat/Hello-World#2')).toBe('ec26c3e');
  });

  it('pushes out the least recently used values once values alone pass their share', async () => {
    const store = createMemoryStore({ maxBytes: 64 * 1024 });
    await store.set('head:busy', 'x', DAY);
    for (let i = 0; i < 1_000; i++) {
      await store.set(`head:${i}`, 'y'.repeat(100), DAY);
      await store.get('head:busy'); // read on every event: recently used
    }
    expect(await store.get('head:busy')).toBe('x');
    expect(await store.get('head:0')).toBeUndefined();
    expect(await store.get('head:999')).toBe('y'.repeat(100));
  });

  it('refuses, loudly, a value larger than the whole share for values instead of dropping it silently', async () => {
    const store = createMemoryStore({ maxBytes: 64 * 1024 });
    await expect(store.set('status:huge', 'z'.repeat(64 * 1024), DAY)).rejects.toThrow(/more than the 32768 bytes the store keeps for values/);
  });

  it('still answers a computation too large to cache, without keeping it', async () => {
    const store = createMemoryStore({ maxBytes: 16 * 1024 });
    let computed = 0;
    const compute = async () => (computed++, 'w'.repeat(16 * 1024));
    expect(await store.cached('big', 30_000, compute)).toHaveLength(16 * 1024);
    expect(await store.cached('big', 30_000, compute)).toHaveLength(16 * 1024);
    expect(computed).toBe(2);
  });
});
