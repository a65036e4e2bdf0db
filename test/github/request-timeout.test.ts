import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GitHubTimeoutError } from '../../src/errors.js';
import { withRequestTimeout } from '../../src/github/request-timeout.js';

const API = 'https://api.github.com';
const REPO = '/repos/Codertocat/Hello-World';
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function octokit(options: { retries?: boolean; baseUrl?: string } = {}) {
  return new ProbotOctokit({
    baseUrl: options.baseUrl ?? API,
    log: silent,
    retry: options.retries ? { enabled: true, retryAfterBaseValue: 5 } : { enabled: false },
    throttle: { enabled: false },
  });
}

async function timed<T>(work: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const started = performance.now();
  const outcome = await work.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return { ...outcome, ms: performance.now() - started };
}

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
});

describe('GitHub request timeouts', () => {
  it('gives up a request GitHub does not answer within the timeout, as a RequestError caused by a GitHubTimeoutError', async () => {
    nock(API).get(REPO).delay(3000).reply(200, { id: 1 });
    const { error, ms } = await timed(withRequestTimeout(octokit(), 200).request('GET /repos/{owner}/{repo}', { owner: 'Codertocat', repo: 'Hello-World' }));
    expect(ms).toBeLessThan(1500);
    expect(error).toMatchObject({ name: 'HttpError', status: 500, message: 'GitHub did not answer GET /repos/{owner}/{repo} within 200 ms' });
    expect((error as Error).cause).toBeInstanceOf(GitHubTimeoutError);
  });

  it('gives each attempt its own deadline, so a retry after a timeout can still succeed', async () => {
    nock(API).get(REPO).delay(3000).reply(200, { id: 1 }).get(REPO).reply(200, { id: 2 });
    const { value, ms } = await timed(
      withRequestTimeout(octokit({ retries: true }), 200).request('GET /repos/{owner}/{repo}', { owner: 'Codertocat', repo: 'Hello-World' }),
    );
    expect(value?.data).toEqual({ id: 2 });
    expect(ms).toBeLessThan(1500);
  });

  it('hands back an answer in time exactly as GitHub sent it: status, headers, body and URL', async () => {
    nock(API).get(REPO).reply(200, { id: 7 }, { 'x-ratelimit-remaining': '4999' });
    const response = await withRequestTimeout(octokit(), 1000).request('GET /repos/{owner}/{repo}', { owner: 'Codertocat', repo: 'Hello-World' });
    expect(response).toMatchObject({ status: 200, data: { id: 7 }, url: `${API}${REPO}` });
    expect(response.headers['x-ratelimit-remaining']).toBe('4999');
  });

  it('passes an answer without a body (204) through', async () => {
    nock(API).delete(`${REPO}/issues/2/labels/hotfix`).reply(204);
    const response = await withRequestTimeout(octokit(), 1000).request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', {
      owner: 'Codertocat',
      repo: 'Hello-World',
      issue_number: 2,
      name: 'hotfix',
    });
    expect(response.status).toBe(204);
  });

  it('keeps GitHub errors as they were', async () => {
    nock(API).get(REPO).reply(404, { message: 'Not Found' });
    const error = await withRequestTimeout(octokit(), 1000)
      .request('GET /repos/{owner}/{repo}', { owner: 'Codertocat', repo: 'Hello-World' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404 });
  });

  it.each([0, -1, NaN, Infinity])('refuses a timeout of %s ms', (ms) => {
    expect(() => withRequestTimeout(octokit(), ms)).toThrow(RangeError);
  });
});

describe('GitHub request timeouts: a body that trickles in', () => {
  let server: Server;
  let base: string;
  const open = new Set<ServerResponse>();
  beforeAll(async () => {
    server = createServer((_req, res) => {
      open.add(res);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      const body = JSON.stringify({ id: 1, name: 'Hello-World' }).padEnd(400, ' ');
      let sent = 0;
      const timer = setInterval(() => (sent < body.length ? res.write(body[sent++]) : res.end()), 50);
      res.on('close', () => {
        clearInterval(timer);
        open.delete(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const res of open) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fails a request whose body is still arriving at the deadline, instead of reading it as empty', async () => {
    const { value, error, ms } = await timed(
      withRequestTimeout(octokit({ baseUrl: base }), 300).request('GET /repos/{owner}/{repo}', { owner: 'Codertocat', repo: 'Hello-World' }),
    );
    expect(value).toBeUndefined();
    expect(error).toMatchObject({ status: 500, message: 'GitHub did not answer GET /repos/{owner}/{repo} within 300 ms' });
    expect(ms).toBeLessThan(1500);
  });
});
