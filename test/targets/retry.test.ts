import { describe, expect, it } from 'vitest';
import { GitHubError } from '../../src/errors.js';
import { MAX_BACKOFF_MS, rateLimitWaitMs, retryDelayMs, SECONDARY_LIMIT_WAIT_MS } from '../../src/targets/retry.js';

/** An error shaped like Octokit's RequestError. */
function requestError(status: number, headers: Record<string, string>, message = 'failed') {
  return Object.assign(new Error(message), { status, response: { headers } });
}

describe('retry delays', () => {
  it('backs off exponentially from the base for an ordinary failure, capped at ten minutes', () => {
    const error = requestError(500, {});
    expect([1, 2, 3].map((attempt) => retryDelayMs(error, attempt))).toEqual([30_000, 60_000, 120_000]);
    expect(retryDelayMs(error, 50)).toBe(MAX_BACKOFF_MS);
    expect(retryDelayMs(new Error('lock timeout'), 1, { baseMs: 20 })).toBe(20);
  });

  it("waits what GitHub's retry-after says on a secondary rate limit, even when wrapped in our GitHubError", () => {
    const error = new GitHubError('GitHub: setting status failed (HTTP 403)', 403, { cause: requestError(403, { 'Retry-After': '7' }) });
    expect(rateLimitWaitMs(error)).toBe(7_000);
    expect(retryDelayMs(error, 1)).toBe(7_000);
    expect(retryDelayMs(error, 2)).toBe(14_000);
  });

  it('waits at least a minute on a secondary rate limit that gives no retry-after', () => {
    const error = requestError(403, {}, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.');
    expect(retryDelayMs(error, 1)).toBe(SECONDARY_LIMIT_WAIT_MS);
    expect(retryDelayMs(requestError(429, {}), 1)).toBe(SECONDARY_LIMIT_WAIT_MS);
  });

  it('waits until the reset time when the primary rate limit is used up', () => {
    const now = 1_700_000_000_000;
    const error = requestError(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 90) });
    expect(retryDelayMs(error, 1, { now })).toBe(90_000);
  });

  it('treats a 403 that is not a rate limit (a missing permission) as an ordinary failure', () => {
    expect(rateLimitWaitMs(requestError(403, {}, 'Resource not accessible by integration'))).toBeUndefined();
  });

  it('never trusts an absurd retry-after beyond an hour', () => {
    expect(retryDelayMs(requestError(403, { 'retry-after': '999999' }), 1)).toBe(3_600_000);
  });
});
