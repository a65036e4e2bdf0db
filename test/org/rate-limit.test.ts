import { describe, expect, it } from 'vitest';
import { isLow, rateLimitWatcher, readRateBudget } from '../../src/org/rate-limit.js';

describe("GitHub's rate-limit headers", () => {
  it.each([
    [
      'reads both numbers and the reset time',
      { 'x-ratelimit-remaining': '4000', 'x-ratelimit-limit': '5000', 'x-ratelimit-reset': '1800000000' },
      { remaining: 4000, limit: 5000, resetAt: 1_800_000_000_000 },
    ],
    ['reads numbers without a reset time', { 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '5000' }, { remaining: 0, limit: 5000 }],
    ['ignores an answer without the headers', {}, undefined],
    ['ignores a remaining count above the limit', { 'x-ratelimit-remaining': '6000', 'x-ratelimit-limit': '5000' }, undefined],
    ['ignores a limit of 0', { 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '0' }, undefined],
    ['ignores values that are not counts', { 'x-ratelimit-remaining': '-1', 'x-ratelimit-limit': '5e3' }, undefined],
  ])('%s', (_story, headers, expected) => {
    expect(readRateBudget(headers)).toEqual(expected);
  });
});

describe('a low budget', () => {
  const now = 1_000_000;
  it.each([
    ['is below 20% of the limit', { remaining: 999, limit: 5000 }, true],
    ['is not exactly 20% of the limit', { remaining: 1000, limit: 5000 }, false],
    ['is not low once GitHub has reset it', { remaining: 10, limit: 5000, resetAt: now }, false],
    ['stays low until the reset time', { remaining: 10, limit: 5000, resetAt: now + 1 }, true],
    ['is not assumed when nothing was seen', undefined, false],
  ])('%s', (_story, budget, low) => {
    expect(isLow(budget, now)).toBe(low);
  });

  it('is told per installation, and reported as it is seen', () => {
    const seen: Array<[number, number, number]> = [];
    const watcher = rateLimitWatcher(
      (id, b) => seen.push([id, b.remaining, b.limit]),
      () => now,
    );
    watcher.observe(1, { 'x-ratelimit-remaining': '100', 'x-ratelimit-limit': '5000' });
    watcher.observe(2, { 'x-ratelimit-remaining': '4900', 'x-ratelimit-limit': '5000' });
    expect([watcher.low(1), watcher.low(2), watcher.low(3)]).toEqual([true, false, false]);
    expect(seen).toEqual([
      [1, 100, 5000],
      [2, 4900, 5000],
    ]);
  });
});
