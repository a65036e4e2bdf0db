import { describe, expect, it } from 'vitest';
import { ByteLru, ENTRY_OVERHEAD_BYTES, sizeOf } from '../../src/state/byte-lru.js';

/** A budget of exactly `n` entries of a one-character key and value. */
const entries = (n: number) => n * sizeOf('a', '1');

describe('a byte-bounded LRU', () => {
  it('estimates an entry from its key and value, two bytes a character, plus a fixed overhead', () => {
    expect(sizeOf('head:1', 'abc')).toBe(2 * 9 + ENTRY_OVERHEAD_BYTES);
  });

  it('keeps entries while they fit exactly in the budget', () => {
    const lru = new ByteLru(entries(3));
    for (const key of ['a', 'b', 'c']) lru.set(key, '1', 60_000);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual(['1', '1', '1']);
    expect(lru.bytes).toBe(entries(3));
  });

  it('pushes out the least recently used entry, not the oldest written, once one more does not fit', () => {
    const lru = new ByteLru(entries(3));
    for (const key of ['a', 'b', 'c']) lru.set(key, '1', 60_000);
    lru.get('a');
    lru.set('d', '1', 60_000);
    expect([lru.get('a'), lru.get('b'), lru.get('c'), lru.get('d')]).toEqual(['1', undefined, '1', '1']);
  });

  it('counts bytes, not entries: one large value pushes out several small ones', () => {
    const lru = new ByteLru(entries(4));
    for (const key of ['a', 'b', 'c', 'd']) lru.set(key, '1', 60_000);
    lru.set('e', 'x'.repeat(sizeOf('a', '1')), 60_000); // as large as about two small entries with their overhead
    expect(lru.size).toBe(2);
    expect(lru.bytes).toBeLessThanOrEqual(entries(4));
  });

  it('refuses an entry larger than the whole budget and drops the older value under its key', () => {
    const lru = new ByteLru(entries(2));
    lru.set('a', '1', 60_000);
    expect(lru.set('a', 'x'.repeat(1000), 60_000)).toBe(false);
    expect(lru.get('a')).toBeUndefined();
    expect(lru.bytes).toBe(0);
  });

  it('rewrites an entry without counting it twice', () => {
    const lru = new ByteLru(entries(2));
    lru.set('a', '1', 60_000);
    lru.set('a', '2', 60_000);
    expect(lru.bytes).toBe(entries(1));
    expect(lru.get('a')).toBe('2');
  });

  it('forgets an entry once its TTL has run out, and gives its bytes back', () => {
    let now = 0;
    const lru = new ByteLru(entries(2), () => now);
    lru.set('a', '1', 1000);
    now = 999;
    expect(lru.get('a')).toBe('1');
    now = 1000;
    expect(lru.get('a')).toBeUndefined();
    expect(lru.bytes).toBe(0);
  });

  it.each([0, -1, NaN])('refuses a budget of %s bytes', (bytes) => {
    expect(() => new ByteLru(bytes)).toThrow(RangeError);
  });
});
