import type { ProbotOctokit } from 'probot';
import { GitHubTimeoutError } from '../errors.js';

type Fetch = typeof globalThis.fetch;
type Hook = InstanceType<typeof ProbotOctokit>['hook'];

/** Statuses whose response has no body: `new Response(body)` refuses one for them. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Makes every HTTP request this Octokit sends give up after `ms`, from sending it to the last
 * byte of the body. Each attempt has its own deadline, so Octokit's retries still happen, and a
 * timeout is a RequestError (status 500) like any other network failure, caused by a
 * GitHubTimeoutError. The body is read inside the deadline: Octokit itself reads a JSON body that
 * fails half-way as an empty body, a success.
 */
export function withRequestTimeout<T extends { hook: Hook }>(octokit: T, ms: number): T {
  if (!(ms > 0) || !Number.isFinite(ms)) throw new RangeError(`a GitHub request timeout must be a positive number of ms, not ${ms}`);
  octokit.hook.before('request', (options) => {
    const fetch = (options.request?.fetch as Fetch | undefined) ?? globalThis.fetch;
    // Set on the options object itself: every hook of this request shares it (a copy would not reach the inner ones).
    options.request = { ...options.request, fetch: timedFetch(fetch, ms, `${options.method} ${options.url}`) };
  });
  return octokit;
}

function timedFetch(fetch: Fetch, ms: number, what: string): Fetch {
  return async (input, init) => {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new GitHubTimeoutError(what, ms)), ms);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
    // Raced as well as passed on: a fetch that ignores its signal (a mock, an old polyfill) is still given up.
    const given = new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
    given.catch(() => {}); // observed by the races below; this keeps an unraced rejection from being reported
    let response: Response | undefined;
    try {
      response = await Promise.race([fetch(input, { ...init, signal }), given]);
      const body = NULL_BODY.has(response.status) ? null : await Promise.race([response.arrayBuffer(), given]);
      const buffered = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      Object.defineProperty(buffered, 'url', { value: response.url });
      return buffered;
    } catch (error) {
      if (signal.aborted) response?.body?.cancel().catch(() => {}); // let go of the connection
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}
