/** First wait after a failure; doubled for each failure in a row, up to MAX_BACKOFF_MS. */
export const BASE_BACKOFF_MS = 30_000;
/** A re-check that keeps failing is tried again this often, for as long as its target is open: never dropped. */
export const MAX_BACKOFF_MS = 10 * 60_000;
/** GitHub's advice for a secondary rate limit without `retry-after`: wait at least a minute. */
export const SECONDARY_LIMIT_WAIT_MS = 60_000;
/** Never trust a `retry-after` longer than this; the job is tried again then at the latest. */
const MAX_RETRY_AFTER_MS = 60 * 60_000;

/**
 * How long to wait before trying failed work again (`attempt` counts from 1). A GitHub rate limit
 * waits what GitHub asked (`retry-after`, else the reset time, else a minute) and doubles from
 * there; any other failure backs off exponentially from `baseMs` (30 s). Both are capped, so a long outage
 * delays a target's next look by at most MAX_BACKOFF_MS after GitHub is back.
 */
export function retryDelayMs(error: unknown, attempt: number, { baseMs = BASE_BACKOFF_MS, now = Date.now() } = {}): number {
  const step = 2 ** Math.max(0, Math.min(attempt, 20) - 1);
  const limited = rateLimitWaitMs(error, now);
  if (limited !== undefined) return Math.min(limited * step, MAX_RETRY_AFTER_MS);
  return Math.min(baseMs * step, MAX_BACKOFF_MS);
}

/** The wait GitHub asked for when `error` is a (primary or secondary) rate limit; undefined otherwise. */
export function rateLimitWaitMs(error: unknown, now = Date.now()): number | undefined {
  const found = findHttpError(error);
  if (!found || (found.status !== 403 && found.status !== 429)) return undefined;
  const headers = found.headers;
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return Math.min(retryAfter * 1000, MAX_RETRY_AFTER_MS);
  if (headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']) * 1000;
    if (Number.isFinite(reset)) return Math.min(Math.max(0, reset - now), MAX_RETRY_AFTER_MS);
  }
  return found.status === 429 || /secondary rate limit|abuse/i.test(found.message) ? SECONDARY_LIMIT_WAIT_MS : undefined;
}

/**
 * Up to 10% sooner than `ms`, so many targets blocked together do not all look again in lockstep,
 * and none looks later than asked (a waiting deployment is approved within one interval of recovery).
 */
export function withJitter(ms: number, random: () => number): number {
  return Math.round(ms * (1 - random() * 0.1));
}

interface HttpError {
  status: number;
  headers: Record<string, string>;
  message: string;
}

/** Octokit's RequestError, possibly wrapped as the `cause` of our own GitHubError. */
function findHttpError(error: unknown): HttpError | undefined {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const candidate = current as { status?: unknown; response?: { headers?: unknown }; message?: unknown; cause?: unknown };
    const headers = candidate.response?.headers;
    if (typeof candidate.status === 'number' && headers && typeof headers === 'object') {
      const flat: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) flat[name.toLowerCase()] = String(value);
      return { status: candidate.status, headers: flat, message: typeof candidate.message === 'string' ? candidate.message : '' };
    }
    current = candidate.cause;
  }
  return undefined;
}
