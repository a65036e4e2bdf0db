import type { IncomingMessage, ServerResponse } from 'node:http';
import pLimit from 'p-limit';
import type { Logger } from 'probot';
import { ByteLru } from '../state/byte-lru.js';
import { DETAILS_PATH } from './link.js';
import { loadPage, type PageSources } from './load-page.js';
import { BUSY_PAGE, NOT_FOUND_PAGE } from './render-page.js';
import { sharedHistory } from './shared-history.js';
import { verifyDetailsToken } from './token.js';

/** Pages built at once by this process; the rest wait, up to MAX_WAITING, then are told to come back. */
export const PAGE_CONCURRENCY = 4;
export const MAX_WAITING = 64;
/** How long a built page (or a not-found answer) serves every request for the same link. */
export const PAGE_TTL_MS = 30_000;
const PAGE_CACHE_BYTES = 32 * 1024 * 1024;

/** Headers of every answer: nothing runs, nothing loads, nothing leaks the link onwards. */
export const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-type': 'text/html; charset=utf-8',
} as const;

export interface DetailsEndpointOptions extends PageSources {
  key: Buffer;
  log: Logger;
}

/**
 * `GET <DETAILS_PATH><token>`: the details page of a signed link. A link that does not open
 * (forged, altered, expired, or naming nothing the app can show) gets the same plain 404 whatever
 * the cause. Pages are built a few at a time, each cached per link for PAGE_TTL_MS and built
 * once however many ask at the same moment, so a burst of readers costs a few builds, not gating.
 */
export function detailsEndpoint(options: DetailsEndpointOptions) {
  const limit = pLimit(PAGE_CONCURRENCY);
  const cache = new ByteLru(PAGE_CACHE_BYTES, options.now);
  const building = new Map<string, Promise<{ status: number; html: string }>>();
  const sources: PageSources = { ...options, history: options.history ?? sharedHistory(options.range, PAGE_TTL_MS, options.now, options.concurrency) };

  const build = (token: string) =>
    limit(async () => {
      const claims = verifyDetailsToken(options.key, token, Math.floor(options.now() / 1000));
      if (!claims) return { status: 404, html: NOT_FOUND_PAGE };
      try {
        const page = await loadPage(claims, sources);
        return page.kind === 'page' ? { status: 200, html: page.html } : { status: 404, html: NOT_FOUND_PAGE };
      } catch (error) {
        options.log.warn({ err: error, repo: claims.repo }, 'could not build a details page');
        return { status: 503, html: BUSY_PAGE };
      }
    });

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0]!;
    if (!path.startsWith(DETAILS_PATH)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, NOT_FOUND_PAGE, { allow: 'GET, HEAD' });
      return true;
    }
    const token = path.slice(DETAILS_PATH.length);
    // Checked before anything is queued: a forged link costs one HMAC, never a place in the queue.
    if (!verifyDetailsToken(options.key, token, Math.floor(options.now() / 1000))) {
      send(res, 404, NOT_FOUND_PAGE);
      return true;
    }
    const cached = cache.get(token);
    if (cached !== undefined) {
      const { status, html } = JSON.parse(cached) as { status: number; html: string };
      send(res, status, html, {}, req.method === 'HEAD');
      return true;
    }
    let pending = building.get(token);
    if (!pending) {
      if (limit.activeCount + limit.pendingCount >= PAGE_CONCURRENCY + MAX_WAITING) {
        send(res, 503, BUSY_PAGE, { 'retry-after': '10' });
        return true;
      }
      pending = build(token).then((page) => {
        if (page.status !== 503) cache.set(token, JSON.stringify(page), PAGE_TTL_MS);
        return page;
      });
      building.set(token, pending);
      // build() never rejects: every failure is a 404 or a 503 page.
      void pending.then(() => building.delete(token));
    }
    const page = await pending;
    send(res, page.status, page.html, page.status === 503 ? { 'retry-after': '10' } : {}, req.method === 'HEAD');
    return true;
  };
}

function send(res: ServerResponse, status: number, html: string, extra: Record<string, string> = {}, headOnly = false): void {
  const cache = status === 200 ? `private, max-age=${PAGE_TTL_MS / 1000}` : 'private, no-store';
  res.writeHead(status, { ...SECURITY_HEADERS, 'cache-control': cache, 'content-length': Buffer.byteLength(html), ...extra });
  res.end(headOnly ? undefined : html);
}
