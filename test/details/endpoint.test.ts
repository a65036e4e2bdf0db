import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { detailsEndpoint, SECURITY_HEADERS } from '../../src/details/endpoint.js';
import { DETAILS_PATH } from '../../src/details/link.js';
import type { PageSources } from '../../src/details/load-page.js';
import { NOT_FOUND_PAGE } from '../../src/details/render-page.js';
import { detailsKey, signDetailsToken, type DetailsClaims } from '../../src/details/token.js';
import type { Octokit } from '../../src/github/pull-request.js';
import { parsePolicyText } from '../../src/policy/parse-policy.js';
import { FakeRangeSource } from '../backtest/fake-range-source.js';
import { capturedLog } from '../support/captured-log.js';
import { POLICY } from '../support/policies.js';

const key = detailsKey('operator-webhook-secret');
const NOW_MS = Date.UTC(2026, 11, 2, 9, 30);
const NOW = NOW_MS / 1000;
const sha = 'b'.repeat(40);
const valid: DetailsClaims = { repo: 'acme/shop', sha, slos: ['checkout-availability'], expires: NOW + 3600 };

/** A fake GitHub that knows acme/shop only and lists no deployments; counts the pages built. */
function sources(range = new FakeRangeSource(() => 0.0005)) {
  const built = { policies: 0 };
  const octokit = { rest: { repos: { listDeployments: async () => ({ data: [] }) } } } as unknown as Octokit;
  const page: PageSources & { built: typeof built; range: FakeRangeSource } = {
    built,
    range,
    now: () => NOW_MS,
    recheckIntervalMs: 300_000,
    octokitFor: async (owner, repo) => (`${owner}/${repo}` === 'acme/shop' ? octokit : undefined),
    loadPolicy: async () => {
      built.policies++;
      return { kind: 'policy', policy: parsePolicyText(POLICY) };
    },
  };
  return page;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(page = sources()): Promise<(path: string, method?: string) => Promise<Response>> {
  const handler = detailsEndpoint({ ...page, key, log: capturedLog().log });
  server = createServer((req, res) => {
    void handler(req, res).then((handled) => (handled ? undefined : res.writeHead(418).end()));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return (path, method = 'GET') => fetch(`http://127.0.0.1:${port}${path}`, { method });
}

const link = (claims: DetailsClaims, signingKey = key) => `${DETAILS_PATH}${signDetailsToken(signingKey, claims)}`;

describe('the details page endpoint', () => {
  it('serves the page of a valid link with the strict CSP, nosniff, no referrer and a private cache', async () => {
    const get = await serve();
    const response = await get(link(valid));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toMatch(/^private/);
    const html = await response.text();
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|@import|url\((?!#)|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it.each([
    ['a forged link (another key)', () => link(valid, detailsKey('someone-else'))],
    ['an altered link', () => link(valid).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))],
    ['an expired link', () => link({ ...valid, expires: NOW })],
    ['a link to a repository the app is not installed on', () => link({ ...valid, repo: 'acme/bank' })],
    ['a link to SLOs the policy does not have', () => link({ ...valid, slos: ['search'] })],
    ['no token at all', () => DETAILS_PATH],
    ['a token of junk', () => `${DETAILS_PATH}%3Cscript%3E`],
  ])('answers %s with the same plain 404, revealing nothing', async (_name, path) => {
    const get = await serve();
    const response = await get(path());
    expect(response.status).toBe(404);
    expect(await response.text()).toBe(NOT_FOUND_PAGE);
    expect(response.headers.get('content-security-policy')).toBe(SECURITY_HEADERS['content-security-policy']);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
  });

  it('leaves every other path to the next handler', async () => {
    const get = await serve();
    expect((await get('/healthz')).status).toBe(418);
  });

  it('refuses a method other than GET or HEAD', async () => {
    const get = await serve();
    expect((await get(link(valid), 'POST')).status).toBe(405);
  });

  it('builds a page once for many readers of the same link at the same moment, then serves it from its cache', async () => {
    const page = sources();
    const get = await serve(page);
    const responses = await Promise.all(Array.from({ length: 20 }, () => get(link(valid))));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect((await get(link(valid))).status).toBe(200);
    expect(page.built.policies).toBe(1);
  });

  it('answers 503, saying to try again, when the metrics cannot be read, and does not cache that', async () => {
    let fail = true;
    const page = sources(
      new FakeRangeSource(() => {
        if (fail) throw new Error('connection refused');
        return 0.0005;
      }),
    );
    const get = await serve(page);
    const first = await get(link(valid));
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('10');
    fail = false;
    expect((await get(link(valid))).status).toBe(200);
  });
});
