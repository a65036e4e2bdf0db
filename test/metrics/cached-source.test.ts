import { describe, expect, it } from 'vitest';
import { QueryError } from '../../src/errors.js';
import { cachedSource } from '../../src/metrics/cached-source.js';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { FakeSource } from './fake-source.js';

describe('the shared query cache', () => {
  it.each([1e-7, 0, NaN, Infinity, -Infinity, 0.25])('hands back %s exactly as the source answered it, from the cache too', async (value) => {
    const source = new FakeSource(() => value);
    const cached = cachedSource(source, createMemoryStore(), 30_000);
    expect(await cached.queryScalar('q')).toBe(value);
    expect(await cached.queryScalar('q')).toBe(value);
    expect(source.queries).toHaveLength(1);
  });

  it.each([
    ['an empty string, which Number() would read as 0', ''],
    ['a prototype key', 'constructor'],
    ['a word', 'garbage'],
  ])('refuses a cached answer that is %s, so a corrupted entry is missing data, not a pass', async (_name, text) => {
    const store = createMemoryStore();
    const cached = cachedSource(new FakeSource(() => 0.5), store, 30_000);
    await store.cached('query:now:q', 30_000, async () => text);
    const error = await cached.queryScalar('q').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toMatch(/cached answer that is not a number/);
  });
});
